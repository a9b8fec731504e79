import type { FuseboxError } from '../../shared/errors.js';
import { protocolSpec } from './registry.js';

/** A FuseboxError in the named protocol's error format: a whole body (see each spec's errors.ts). */
export function errorBody(protocol: string, error: FuseboxError): Buffer {
  return protocolSpec(protocol).errorBody(error);
}

/** The same error as one in-band SSE event, for a stream that has already started. */
export function inBandErrorEvent(protocol: string, error: FuseboxError): Buffer {
  return protocolSpec(protocol).inBandError(error);
}
