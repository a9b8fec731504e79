import { COMMON_REQUEST_HEADERS } from '../headers.js';
import type { ProtocolSpec } from '../types.js';
import { openAiUsage } from './usage.js';
import { openAiCollection } from './collect.js';
import { openAiErrorBody, openAiInBandError } from './errors.js';
import { matchOpenAi, OPENAI, OPENAI_PATHS } from './routes.js';
import { openAiListing } from './models.js';
import { openAiSamples } from './samples.js';
import { openAiStreamEnding } from './stream-end.js';

/** The OpenAI API (chat and text completions, responses, embeddings, moderations, images, audio): the registry's default protocol. */
export const openAiSpec: ProtocolSpec = {
  name: OPENAI,
  pathPrefix: '/v1',
  matchRoute: matchOpenAi,
  modelListing: openAiListing,
  paths: OPENAI_PATHS,
  requestHeaders: new Set([...COMMON_REQUEST_HEADERS, 'openai-beta', 'openai-organization', 'openai-project']),
  auth: { header: 'authorization', prefix: 'Bearer ' },
  ownHeaders: () => ({}),
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
