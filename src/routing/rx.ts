/**
 * The RxJS part fusebox uses at run time, from its own module rather than from the
 * package's index, which loads all of RxJS (why: docs/performance.md, "Why the hot path is
 * shaped as it is"). The path is internal to RxJS: package.json pins its version exactly and
 * test/unit/http/upstream/package-internals.test.ts proves it is the public export.
 * Types may still be imported from 'rxjs'; they are the same classes.
 */
export { Subject } from 'rxjs/internal/Subject';
