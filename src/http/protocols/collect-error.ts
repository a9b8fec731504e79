/** A stream that could not be collected into one body; `code` becomes the attempt's failure code. */
export class CollectError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CollectError';
  }
}
