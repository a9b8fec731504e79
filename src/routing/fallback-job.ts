import { formBoundary, withFormField } from '../shared/form-field.js';
import { memberText, withMember } from '../shared/json-member.js';
import type { Job } from './types.js';

/**
 * The job as sent to a route: unchanged (the same object, the same body bytes) unless the
 * route asks the upstream for another model (a fallback pool's, or the backend's `modelAliases`
 * name). Then the body's `model` is rewritten (an upload's `model` form field), and a
 * Gemini-style path (`…/models/<model>:generateContent`) too. Only those routes pay for a
 * rewritten body; `cache` keeps one rewrite per model for the request's attempts.
 */
export function jobForModel(job: Job, model: string, cache: Map<string, Job>): Job {
  if (model === job.model) return job;
  const cached = cache.get(model);
  if (cached) return cached;
  const rewritten: Job = {
    ...job,
    model,
    body: bodyForModel(job, model),
    upstreamPath: rewritePathModel(job.upstreamPath, job.model, model),
  };
  cache.set(model, rewritten);
  return rewritten;
}

function bodyForModel(job: Job, model: string): Buffer {
  const boundary = formBoundary(job.contentType);
  if (boundary === null) return rewriteBodyModel(job.body, model);
  return withFormField(job.body, boundary, 'model', model) ?? job.body;
}

/**
 * The body with its top-level `model` replaced by splicing its bytes (the rest is sent as the
 * client wrote it, at any depth); unchanged when it is not a JSON object with a `model`.
 */
export function rewriteBodyModel(body: Buffer, model: string): Buffer {
  if (memberText(body, 'model') === undefined) return body;
  return withMember(body, 'model', JSON.stringify(model)) ?? body;
}

function rewritePathModel(path: string, from: string, to: string): string {
  const segment = `/models/${encodeURIComponent(from)}`;
  const index = path.indexOf(segment);
  if (index === -1) return path;
  const rest = path.slice(index + segment.length);
  if (rest !== '' && !rest.startsWith(':') && !rest.startsWith('/') && !rest.startsWith('?')) return path;
  return `${path.slice(0, index)}/models/${encodeURIComponent(to)}${rest}`;
}
