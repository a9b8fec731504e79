import type { FuseboxError } from '../../../shared/errors.js';

/** `{"error":{"message","type","code"}}`; in a stream, the same as a `data:` event. */
export function openAiErrorBody(error: FuseboxError): Buffer {
  return Buffer.from(JSON.stringify({ error: { message: error.message, type: error.type, code: error.code } }));
}

export function openAiInBandError(error: FuseboxError): Buffer {
  return Buffer.concat([Buffer.from('data: '), openAiErrorBody(error), Buffer.from('\n\n')]);
}
