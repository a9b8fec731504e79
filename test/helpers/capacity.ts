import type { Behavior } from './upstream.js';

/** A Google-style 429 saying MODEL_CAPACITY_EXHAUSTED, with a RetryInfo hint (e.g. '30s'). */
export function capacityExhausted(retryDelay: string): Behavior {
  return {
    kind: 'status',
    status: 429,
    body: {
      error: {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        details: [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'MODEL_CAPACITY_EXHAUSTED' },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay },
        ],
      },
    },
  };
}
