import type { ProtocolCodec } from '../neutral/codec.js';
import { parseOpenAiRequest } from './codec-request.js';
import { encodeOpenAiRequest } from './codec-request-encode.js';
import { encodeOpenAiResponse, parseOpenAiResponse } from './codec-response.js';
import { OpenAiStreamDecoder } from './codec-stream-decode.js';
import { OpenAiStreamEncoder } from './codec-stream-encode.js';

/** The OpenAI Chat Completions translation codec (see neutral/codec.ts for the contract). */
export const openAiCodec: ProtocolCodec = {
  parseRequest: (body) => parseOpenAiRequest(body),
  encodeRequest: encodeOpenAiRequest,
  parseResponse: parseOpenAiResponse,
  encodeResponse: encodeOpenAiResponse,
  createStreamDecoder: (context) => new OpenAiStreamDecoder(context),
  createStreamEncoder: (context) => new OpenAiStreamEncoder(context),
};
