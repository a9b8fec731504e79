/** A stream that could not be collected into one body is a body failure: the one body error class. */
export { UpstreamBodyError as CollectError } from '../../shared/body-error.js';
