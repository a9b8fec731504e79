import type { BackendConfig } from '../config/schema.js';
import { FuseboxError } from '../shared/errors.js';
import type { Outcome } from './classify.js';
import type { Job, JobTranslation, Protocol, TranslatedCall, TranslationRefused } from './types.js';

/**
 * Serving a request from a backend of another kind (docs/translation.md), with the Job's
 * `JobTranslation` (types.ts).
 *
 * Contract of the attempt with a translated call:
 * - the request is translated before any upstream is called; a refusal is answered at once
 *   with a 400 `translation_unsupported` in the client's format, and no other route is tried
 *   (the refusal is about the request's content, and the request is not sent anywhere else);
 * - a whole answer (2xx JSON, or a 4xx error body) is translated before it reaches the client;
 *   a 2xx body that cannot be read fails over as `translation_failed`;
 * - a stream commits on the upstream's first data event, as untranslated streams do, and is
 *   translated chunk by chunk; the client's stream ends with its own terminal marker.
 */
export const TRANSLATED_HEADER = 'x-fusebox-translated';

/** What kinds a job may be served by: its own, and those its translation reaches. */
export interface KindScope {
  readonly protocol: Protocol;
  readonly translation?: Pick<JobTranslation, 'targets'> | undefined;
}

/** The call for a route whose backend's kind differs from the job's. */
export function translatedCall(job: Job, backend: BackendConfig, model: string): TranslatedCall | TranslationRefused {
  if (job.translation === undefined) return { refused: `the ${backend.kind} backend ${backend.id} cannot serve this request` };
  return job.translation.to(job, backend, model);
}

/** The refusal, answered in the client's format: a client error that blames nobody. */
export function answerRefusal(
  job: Job,
  refusal: TranslationRefused,
  headers: Record<string, string>,
): { outcome: Outcome; answered: true; status: number } {
  const error = new FuseboxError('translation_unsupported', refusal.refused);
  job.sink.fail(error, headers);
  return { outcome: { kind: 'client_error', status: error.status }, answered: true, status: error.status };
}

/** The answer headers with the translation named. */
export function translatedHeaders(answerHeaders: () => Record<string, string>, call: TranslatedCall): () => Record<string, string> {
  return () => ({ ...answerHeaders(), [TRANSLATED_HEADER]: call.label });
}
