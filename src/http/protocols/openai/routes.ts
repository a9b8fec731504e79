import type { ClientRoute } from '../types.js';

export const OPENAI = 'openai';

type Body = Pick<ClientRoute, 'streams' | 'form' | 'expects'>;

const STREAMS_BY_BODY: Body = { streams: 'body' };
const WHOLE_JSON: Body = { streams: 'never' };
/** Audio uploads: the answer may be JSON or plain text (`response_format: text`, `srt`, `vtt`), and is relayed whole. */
const AUDIO_UPLOAD: Body = { streams: 'never', form: true, expects: 'any' };
/** Image uploads: a JSON answer, or a stream when the form says `stream=true`. */
const IMAGE_UPLOAD: Body = { streams: 'body', form: true };

/**
 * The OpenAI-compatible endpoints fusebox routes, and the path each takes upstream. An openai
 * backend's BaseURL includes the version prefix (`https://api.openai.com/v1`), so `/v1` is
 * dropped from the client's path. Only chat completions translate; the others go to openai
 * backends as they are.
 */
const OPENAI_ROUTES: ReadonlyMap<string, ClientRoute> = new Map(
  (
    [
      ['/v1/chat/completions', STREAMS_BY_BODY],
      ['/v1/completions', STREAMS_BY_BODY],
      ['/v1/responses', STREAMS_BY_BODY],
      ['/v1/embeddings', WHOLE_JSON],
      ['/v1/moderations', WHOLE_JSON],
      ['/v1/images/generations', STREAMS_BY_BODY],
      ['/v1/images/edits', IMAGE_UPLOAD],
      ['/v1/images/variations', { streams: 'never', form: true }],
      ['/v1/audio/transcriptions', AUDIO_UPLOAD],
      ['/v1/audio/translations', AUDIO_UPLOAD],
      // Speech answers with audio bytes.
      ['/v1/audio/speech', { streams: 'never', expects: 'any' }],
    ] as const
  ).map(([path, body]) => [path, { protocol: OPENAI, upstreamPath: path.slice('/v1'.length), ...body }]),
);

/** Every client path of the protocol, for the 404 of a path under `/v1` that is none of them. */
export const OPENAI_PATHS: readonly string[] = [...[...OPENAI_ROUTES.keys()].map((path) => `POST ${path}`), 'GET /v1/models', 'GET /v1/models/{id}'];

export function matchOpenAi(pathname: string): ClientRoute | null {
  return OPENAI_ROUTES.get(pathname) ?? null;
}
