import { COMMON_REQUEST_HEADERS } from '../headers.js';
import type { ProtocolSpec } from '../types.js';
import { openAiUsage } from './usage.js';
import { openAiCollection } from './collect.js';
import { openAiErrorBody, openAiInBandError } from './errors.js';
import { matchOpenAi, OPENAI, openAiListing } from './routes.js';
import { openAiSamples } from './samples.js';
import { openAiStreamEnding } from './stream-end.js';

/** The OpenAI API (chat and text completions, embeddings): the registry's default protocol. */
export const openAiSpec: ProtocolSpec = {
  name: OPENAI,
  pathPrefix: '/v1',
  matchRoute: matchOpenAi,
  modelListing: openAiListing,
  requestHeaders: new Set([...COMMON_REQUEST_HEADERS, 'openai-beta', 'openai-organization', 'openai-project']),
  upstreamAuth: (secret) => ({ authorization: `Bearer ${secret}` }),
  errorBody: openAiErrorBody,
  inBandError: openAiInBandError,
  terminalMarker: '[DONE]',
  streamEnding: openAiStreamEnding,
  collect: openAiCollection,
  samples: openAiSamples,
  chat: {
    serves: (route) => route.upstreamPath === '/chat/completions',
    upstreamPath: () => '/chat/completions',
  },
  usage: openAiUsage,
};

export { OPENAI };
