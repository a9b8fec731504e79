/**
 * The RxJS parts fusebox uses at run time, each from its own module: the package's index
 * loads all of its ~220 modules (about 50 ms of every start, and ~1 MB of resident memory) for
 * the sake of these two. Types may still be imported from 'rxjs'; they are the same classes.
 */
export { Subject } from 'rxjs/internal/Subject';
export { mergeMap } from 'rxjs/internal/operators/mergeMap';
