import { startMockUpstream, type Behavior, type MockUpstream, type RecordedRequest } from './upstream.js';
import type { Cleanup } from './cleanups.js';

/**
 * A scripted upstream (the mock upstream, a real node:http server on 127.0.0.1) that serves
 * model listing pages: a GET whose path (query included) is a key of `pages` gets that body
 * (or `listing` when it is set: a failure, a hang); every other request answers like a model.
 */
export interface ListingUpstream {
  readonly up: MockUpstream;
  pages: Record<string, unknown>;
  /** When set, every listing GET behaves so instead. */
  listing: Behavior | null;
  /** The listing GETs received so far. */
  readonly listings: () => RecordedRequest[];
}

export async function startListingUpstream(name: string, pages: Record<string, unknown>, cleanups: Cleanup[]): Promise<ListingUpstream> {
  const up = await startMockUpstream(undefined, name);
  cleanups.push(() => up.close());
  const served: ListingUpstream = {
    up,
    pages,
    listing: null,
    listings: () => up.requests.filter((request) => request.method === 'GET'),
  };
  up.script = (request) => {
    if (request.method !== 'GET') return { kind: 'ok' };
    if (served.listing) return served.listing;
    const body = served.pages[request.path];
    return body === undefined
      ? { kind: 'status', status: 404, body: { error: { message: `no page ${request.path}` } } }
      : { kind: 'status', status: 200, body };
  };
  return served;
}

/** An OpenAI-shaped listing of these ids. */
export const openAiPage = (...ids: string[]) => ({
  object: 'list',
  data: ids.map((id) => ({ id, object: 'model', created: 1, owned_by: 'someone' })),
});
