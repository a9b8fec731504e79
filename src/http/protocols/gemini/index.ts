import { COMMON_REQUEST_HEADERS } from '../headers.js';
import type { ProtocolSpec } from '../types.js';
import { geminiUsage } from './usage.js';
import { geminiErrorBody, geminiInBandError } from './errors.js';
import { GEMINI, GEMINI_PATHS, geminiChat, matchGemini } from './routes.js';
import { geminiListing } from './models.js';
import { geminiSamples } from './samples.js';
import { geminiStreamEnding } from './stream-end.js';

/** Google's Gemini API (generateContent): streams have no terminal event. */
export const geminiSpec: ProtocolSpec = {
  name: GEMINI,
  pathPrefix: '/v1beta',
  matchRoute: matchGemini,
  modelListing: geminiListing,
  paths: GEMINI_PATHS,
  requestHeaders: new Set([...COMMON_REQUEST_HEADERS, 'x-goog-api-client']),
  auth: { header: 'x-goog-api-key', prefix: '' },
  ownHeaders: () => ({}),
  errorBody: geminiErrorBody,
  inBandError: geminiInBandError,
  terminalMarker: null,
  streamEnding: geminiStreamEnding,
  collect: null,
  samples: geminiSamples,
  chat: geminiChat,
  usage: geminiUsage,
};

export { GEMINI };
