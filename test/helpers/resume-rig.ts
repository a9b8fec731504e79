import type { ConfigInput } from '../../src/config/schema.js';
import type { Cleanup } from './cleanups.js';
import { startTestGateway, type TestGateway } from './gateway.js';
import { answer, baseUrlOf, scriptedUpstream, whole, type Kind, type Reply, type ScriptedUpstream, type SeenRequest } from './resume-upstream.js';
import { until } from './wait.js';

/**
 * A gateway over scripted upstreams for the stream-resume tests: backends tried in the order
 * given (priority 0, 1, ...), each serving model `m`, each with its own script.
 */
export interface ResumeBackend {
  readonly id: string;
  readonly kind: Kind;
  readonly script: (request: SeenRequest, index: number) => Reply;
  readonly idleMs?: number;
  readonly continuation?: readonly ('prefill' | 'instruction')[];
  readonly streamOnly?: boolean;
}

export interface ResumeRig {
  readonly gw: TestGateway;
  readonly upstreams: Record<string, ScriptedUpstream>;
  /** The `request` log line of the one request, once written. */
  readonly requestLine: () => Promise<Record<string, unknown>>;
}

export async function resumeRig(cleanups: Cleanup[], backends: readonly ResumeBackend[], extra: Partial<ConfigInput> = {}): Promise<ResumeRig> {
  const upstreams: Record<string, ScriptedUpstream> = {};
  for (const backend of backends) {
    const upstream = await scriptedUpstream(backend.script);
    cleanups.push(() => upstream.close());
    upstreams[backend.id] = upstream;
  }
  const gw = await startTestGateway({
    ...extra,
    backends: backends.map((backend, priority) => ({
      id: backend.id,
      kind: backend.kind,
      priority,
      models: ['m'],
      baseUrls: [baseUrlOf(backend.kind, upstreams[backend.id]!.origin)],
      credentials: [{ id: `${backend.id}-key`, apiKey: `sk-${backend.id}-secret` }],
      timeouts: { idleMs: backend.idleMs ?? 10_000, totalMs: 30_000 },
      ...(backend.continuation ? { continuation: [...backend.continuation] } : {}),
      ...(backend.streamOnly ? { streamOnly: true } : {}),
    })),
  });
  cleanups.push(() => gw.close());
  return {
    gw,
    upstreams,
    requestLine: async () => {
      await until(() => gw.logs.some((line) => line.msg === 'request'), 'the request log line');
      return gw.logs.find((line) => line.msg === 'request')!;
    },
  };
}

/** The answer this test suite expects, split in pieces. */
export const PIECES = ['The ', 'quick ', 'brown ', 'fox ', 'jumps ', 'over ', 'the ', 'lazy ', 'dog.'];
export const FULL = PIECES.join('');

/** The assistant text a continuation request carries (its prefill, or the assistant turn before the instruction). */
export function partialSent(body: Record<string, unknown>): string {
  const messages = (body.messages ?? body.contents) as { role: string; content?: unknown; parts?: { text?: string }[] }[];
  const assistant = messages.filter((m) => m.role === 'assistant' || m.role === 'model').at(-1);
  if (!assistant) return '';
  if (typeof assistant.content === 'string') return assistant.content;
  const parts = (Array.isArray(assistant.content) ? assistant.content : (assistant.parts ?? [])) as { text?: string }[];
  return parts.map((part) => part.text ?? '').join('');
}

/**
 * An upstream that continues FULL from the partial it was sent, restating its last `restate`
 * characters first (a model that repeats itself), with its own id and usage.
 */
export function continuesFull(kind: Kind, id: string, restate = 0): (request: SeenRequest) => Reply {
  return (request) => {
    const partial = partialSent(request.body);
    if (!FULL.startsWith(partial)) return { status: 500, body: { error: { message: `unexpected partial ${JSON.stringify(partial)}` } } };
    const rest = FULL.slice(Math.max(0, partial.length - restate));
    return { sse: whole(answer(kind, id, [rest.slice(0, 5), rest.slice(5)], { input: 11, output: 13 })) };
  };
}
