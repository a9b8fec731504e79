/**
 * The RxJS parts fusebox uses at run time, each from its own module rather than from the
 * package's index, which loads all of RxJS (why: docs/performance.md, "Why the hot path is
 * shaped as it is"). The paths are internal to RxJS: package.json pins its version exactly and
 * test/unit/http/upstream/package-internals.test.ts proves each is the public export.
 * Types may still be imported from 'rxjs'; they are the same classes.
 */
export { Subject } from 'rxjs/internal/Subject';
// eslint-disable-next-line @typescript-eslint/no-deprecated -- only the resultSelector overload is deprecated; fusebox calls mergeMap(project, concurrency)
export { mergeMap } from 'rxjs/internal/operators/mergeMap';
