import type { UpstreamCode } from './upstream-code.js';

/**
 * The one error class for a body that could not be read, collected or passed on (request or
 * upstream side); `code` becomes the attempt's failure code.
 */
export class UpstreamBodyError extends Error {
  constructor(
    readonly code: UpstreamCode,
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamBodyError';
  }
}
