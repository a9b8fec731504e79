import type { ProtocolCodec } from '../neutral/codec.js';
import { parseAnthropicRequest } from './codec-request.js';
import { encodeAnthropicRequest } from './codec-request-encode.js';
import { encodeAnthropicResponse, parseAnthropicResponse } from './codec-response.js';
import { AnthropicStreamDecoder } from './codec-stream-decode.js';
import { AnthropicStreamEncoder } from './codec-stream-encode.js';

/** The Anthropic Messages translation codec (see neutral/codec.ts for the contract). */
export const anthropicCodec: ProtocolCodec = {
  parseRequest: (body) => parseAnthropicRequest(body),
  encodeRequest: encodeAnthropicRequest,
  parseResponse: parseAnthropicResponse,
  encodeResponse: encodeAnthropicResponse,
  createStreamDecoder: (context) => new AnthropicStreamDecoder(context),
  createStreamEncoder: () => new AnthropicStreamEncoder(),
};
