import { COMMON_REQUEST_HEADERS } from '../headers.js';
import type { ProtocolSpec } from '../types.js';
import { anthropicUsage } from './usage.js';
import { anthropicErrorBody, anthropicInBandError } from './errors.js';
import { ANTHROPIC, ANTHROPIC_PATHS, matchAnthropic } from './routes.js';
import { anthropicListing } from './models.js';
import { anthropicSamples } from './samples.js';
import { anthropicStreamEnding } from './stream-end.js';

/**
 * Anthropic's Messages API. The client's `anthropic-version` and `anthropic-beta` headers pass
 * through; without a version the backend's `anthropicVersion` is sent.
 */
export const anthropicSpec: ProtocolSpec = {
  name: ANTHROPIC,
  pathPrefix: '/v1/messages',
  matchRoute: matchAnthropic,
  modelListing: anthropicListing,
  paths: ANTHROPIC_PATHS,
  requestHeaders: new Set([...COMMON_REQUEST_HEADERS, 'anthropic-version', 'anthropic-beta']),
  auth: { header: 'x-api-key', prefix: '' },
  ownHeaders: (client, backend) => ({ 'anthropic-version': client['anthropic-version'] ?? backend.anthropicVersion }),
  errorBody: anthropicErrorBody,
  inBandError: anthropicInBandError,
  terminalMarker: 'message_stop',
  streamEnding: anthropicStreamEnding,
  collect: null,
  samples: anthropicSamples,
  chat: {
    serves: (route) => route.upstreamPath === '/messages',
    upstreamPath: () => '/messages',
  },
  usage: anthropicUsage,
};

export { ANTHROPIC };
