import type { ChatEndpoint, ClientRoute } from '../types.js';

export const GEMINI = 'gemini';

/**
 * Gemini's generateContent API: the model comes from the path
 * (`/v1beta/models/{model}:{method}`), not the body. A gemini backend's BaseURL includes the
 * version prefix (`https://generativelanguage.googleapis.com/v1beta`), so `/v1beta` is
 * dropped. Streaming is `:streamGenerateContent?alt=sse`; without `alt=sse` Google answers
 * one JSON array, which fusebox relays whole. No other query parameter is forwarded (a `key`
 * there would be the client's credential).
 */
const GEMINI_PATH = /^\/v1beta\/models\/([A-Za-z0-9._-]{1,128}):(generateContent|streamGenerateContent|countTokens)$/;
const METHODS = ['generateContent', 'streamGenerateContent', 'countTokens'];

export const GEMINI_PATHS: readonly string[] = [
  ...METHODS.map((method) => `POST /v1beta/models/{model}:${method}`),
  'GET /v1beta/models',
  'GET /v1beta/models/{name}',
];

export function matchGemini(pathname: string, search: URLSearchParams): ClientRoute | null {
  const match = GEMINI_PATH.exec(pathname);
  if (!match) return null;
  const [, model, method] = match as unknown as [string, string, string];
  const sse = method === 'streamGenerateContent' && search.get('alt') === 'sse';
  return {
    protocol: GEMINI,
    upstreamPath: `/models/${model}:${method}${sse ? '?alt=sse' : ''}`,
    streams: sse ? 'always' : 'never',
    model,
  };
}

/** `generateContent` and `streamGenerateContent?alt=sse` are chat; countTokens and the JSON-array stream are not. */
export const geminiChat: ChatEndpoint = {
  serves: (route) => route.upstreamPath.endsWith(':generateContent') || route.upstreamPath.endsWith(':streamGenerateContent?alt=sse'),
  upstreamPath: (model, stream) => `/models/${encodeURIComponent(model)}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
};
