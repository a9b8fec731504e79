import type { BackendConfig } from '../../config/schema.js';
import { FuseboxError } from '../../shared/errors.js';
import type { Job, JobTranslation, TranslatedCall, TranslationRefused } from '../../routing/types.js';
import { translatedHeaders } from './headers.js';
import { isRefusal } from './neutral/refusal.js';
import { createStreamTranslator, translateRequest, translateResponse, type TranslationState } from './neutral/translate.js';
import type { Json, ProtocolName } from './neutral/types.js';
import { allProtocols, protocolSpec } from './registry.js';
import type { ClientRoute } from './types.js';
import { clientRequest, streamStep } from './stream-resume-route.js';

/**
 * The protocols layer's side of cross-protocol routing (routing's side: routing/translation-step.ts).
 * Only chat endpoints translate (each spec's `chat`); embeddings, text completions and token
 * counts are served by backends of their own kind only. A chat Job carries its protocol's
 * JobTranslation, one constant per protocol, so the same-kind path pays nothing for it: the
 * body is parsed and translated only when a route's backend is of another kind.
 */
const TRANSLATIONS: ReadonlyMap<string, JobTranslation> = new Map(
  allProtocols().map((spec) => [
    spec.name,
    {
      targets: new Set(
        allProtocols()
          .filter((other) => other !== spec)
          .map((other) => other.name),
      ),
      to: translatedCall,
    },
  ]),
);

/** The translation a Job of `route` carries, when its protocol's chat endpoint is the route and crossProtocol is on. */
export function routeTranslation(route: ClientRoute, crossProtocol: boolean): JobTranslation | undefined {
  if (!crossProtocol || !protocolSpec(route.protocol).chat.serves(route)) return undefined;
  return TRANSLATIONS.get(route.protocol);
}

/** The kinds a protocol's model listing also lists (its chat endpoint reaches them), or undefined when crossProtocol is off. */
export function listingTranslation(protocol: string, crossProtocol: boolean): Pick<JobTranslation, 'targets'> | undefined {
  return crossProtocol ? TRANSLATIONS.get(protocol) : undefined;
}

function translatedCall(job: Job, backend: BackendConfig, model: string): TranslatedCall | TranslationRefused {
  const from = job.protocol as ProtocolName;
  const to = backend.kind;
  let translated: ReturnType<typeof translateRequest>;
  try {
    const body = JSON.parse(job.body.toString('utf8')) as Json;
    // The route's model (a fallback may map it); Gemini clients name it in the path only.
    const options = { model, stream: job.stream, ...(backend.defaultMaxTokens !== undefined ? { defaultMaxTokens: backend.defaultMaxTokens } : {}) };
    translated = translateRequest(from, to, 'model' in body ? { ...body, model } : body, options);
  } catch (error) {
    if (isRefusal(error)) return { refused: `${error.message} (the ${to} backend ${backend.id} cannot express it)` };
    return { refused: `the request cannot be translated for the ${to} backend ${backend.id}: ${(error as Error).message}` };
  }
  const state = translated.state;
  const sent: Job = {
    ...job,
    body: Buffer.from(JSON.stringify(translated.body), 'utf8'),
    upstreamPath: protocolSpec(to).chat.upstreamPath(translated.model, job.stream),
    headers: translatedHeaders(job.headers, backend),
  };
  return {
    job: sent,
    label: `${from}->${to}`,
    whole: (status, body) => (status < 300 ? wholeAnswer(state, body) : clientError(from, status, body)),
    stream(resumable) {
      const translator = createStreamTranslator(state, { breakOnError: resumable });
      return streamStep(translator, () => clientRequest(job));
    },
  };
}

function wholeAnswer(state: TranslationState, body: Buffer): Buffer | null {
  try {
    return Buffer.from(JSON.stringify(translateResponse(state, JSON.parse(body.toString('utf8')) as Json)), 'utf8');
  } catch {
    return null;
  }
}

/**
 * An upstream's 4xx error body in the client's error format, keeping the upstream status and
 * message (every protocol puts it at `error.message`; otherwise the text itself).
 */
function clientError(client: string, status: number, body: Buffer): Buffer {
  const text = body.toString('utf8');
  let message = text.trim().slice(0, 2000) || `the upstream answered HTTP ${status}`;
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown }; message?: unknown };
    const found = parsed.error?.message ?? parsed.message;
    if (typeof found === 'string') message = found;
  } catch {
    // Not JSON: the text is the message.
  }
  return protocolSpec(client).errorBody(new UpstreamClientError(status, message));
}

/** An upstream's client error as fusebox renders it: the upstream's status, not the catalogue's. */
class UpstreamClientError extends FuseboxError {
  override readonly status: number;
  constructor(status: number, message: string) {
    super('invalid_request', message);
    this.status = status;
  }
}
