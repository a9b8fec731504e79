import type { ProtocolCodec } from '../neutral/codec.js';
import { parseGeminiRequest } from './codec-request.js';
import { encodeGeminiRequest } from './codec-request-encode.js';
import { encodeGeminiResponse, parseGeminiResponse } from './codec-response.js';
import { GeminiStreamDecoder } from './codec-stream-decode.js';
import { GeminiStreamEncoder } from './codec-stream-encode.js';

/** The Gemini generateContent translation codec (see neutral/codec.ts for the contract). */
export const geminiCodec: ProtocolCodec = {
  parseRequest: parseGeminiRequest,
  encodeRequest: encodeGeminiRequest,
  parseResponse: parseGeminiResponse,
  encodeResponse: encodeGeminiResponse,
  createStreamDecoder: (context) => new GeminiStreamDecoder(context),
  createStreamEncoder: () => new GeminiStreamEncoder(),
};
