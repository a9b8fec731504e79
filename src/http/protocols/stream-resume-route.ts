import type { BackendConfig } from '../../config/schema.js';
import type {
  ContinuationCall,
  ContinuationStrategy,
  Job,
  PartialAnswer,
  StreamResume,
  StreamStep,
  TranslationRefused,
} from '../../routing/types.js';
import { ContinuationFilter } from './neutral/continuation-filter.js';
import { continuationRequest } from './neutral/continuation-request.js';
import { isRefusal } from './neutral/refusal.js';
import { CODECS, createStreamTranslator, type StreamTranslator, type TranslationState } from './neutral/translate.js';
import type { Json, NeutralRequest, ProtocolName } from './neutral/types.js';
import { protocolSpec } from './registry.js';
import { translatedHeaders } from './headers.js';

/**
 * The protocols layer's side of stream resume (routing's side: routing/stream-resume.ts).
 * Little runs while a stream flows: a pass-through stream is decoded only once it is long or
 * broke (`replay`: a same-kind translator replays what the client got, its output discarded,
 * which learns the answer so far and primes an encoder of the client's kind); a translated
 * stream already has its translator. The continuation then streams through that translator
 * (`switchUpstream` with a ContinuationFilter), so the client sees one stream: same id, one
 * opening, one finish, the continuation's usage.
 */
export const STREAM_RESUME: StreamResume = {
  replay(job) {
    const protocol = job.protocol as ProtocolName;
    // The client's request is parsed again after a break, not held for the stream's life (it can be a long conversation).
    const state: TranslationState = {
      from: protocol,
      to: protocol,
      model: job.model,
      stream: true,
      includeUsage: includesUsage(protocol, clientRequest(job)),
      toolNames: {},
    };
    const translator = createStreamTranslator(state, { breakOnError: true });
    // The client has the upstream's own frames, not the replay's: a finished answer lacks only the terminal event.
    const terminal = protocolSpec(protocol).streamEnding.terminalEvent;
    return {
      push: (bytes) => void translator.push(bytes),
      partial: () => partialAnswer(translator, clientRequest(job), () => (terminal === null ? [] : [Buffer.from(terminal, 'utf8')])),
    };
  },
};

/** The client's request in neutral form, or null when the neutral form cannot hold it (then nothing is continued). */
export function clientRequest(job: Job): NeutralRequest | null {
  try {
    const body = JSON.parse(job.body.toString('utf8')) as Json;
    return CODECS[job.protocol as ProtocolName].parseRequest(body, { model: job.model, stream: job.stream });
  } catch {
    return null;
  }
}

function includesUsage(protocol: ProtocolName, request: NeutralRequest | null): boolean {
  return protocol !== 'openai' || request?.includeUsage === true;
}

/** A translator's stream as routing drives it. */
export function streamStep(translator: StreamTranslator, request: () => NeutralRequest | null): StreamStep {
  return {
    push: (chunk) => translator.push(chunk),
    end: () => translator.end(),
    get failed() {
      return translator.failed;
    },
    partial: () => partialAnswer(translator, request()),
  };
}

/**
 * What the client has so far, and how it is continued. `closing` ends the client's stream when
 * the answer is finished; by default the translator's encoder closes it (it wrote the frames).
 */
export function partialAnswer(translator: StreamTranslator, request: NeutralRequest | null, closing = () => translator.close()): PartialAnswer {
  const progress = translator.progress();
  const choice = progress.choices.find((c) => c.index === 0);
  const single = progress.choices.every((c) => c.index === 0);
  const resumable = request !== null && single && translator.safeToResume && choice?.finishReason === undefined && !translator.done;
  const text = choice?.text ?? '';
  const finished = single && choice?.finishReason !== undefined && translator.safeToResume && translator.failed === null;
  return {
    resumable,
    keptChars: text.length,
    finished,
    closing,
    continuation: (job, backend, model, strategy) =>
      request === null ? { refused: 'the request cannot be continued' } : continuation(translator, request, text, { job, backend, model, strategy }),
  };
}

interface ContinuationTarget {
  readonly job: Job;
  readonly backend: BackendConfig;
  readonly model: string;
  readonly strategy: ContinuationStrategy;
}

function continuation(
  translator: StreamTranslator,
  request: NeutralRequest,
  text: string,
  { job, backend, model, strategy }: ContinuationTarget,
): ContinuationCall | TranslationRefused {
  const kind = backend.kind;
  const toolNames = {};
  let encoded: ReturnType<(typeof CODECS)[ProtocolName]['encodeRequest']>;
  try {
    const neutral = continuationRequest({ ...request, model }, text, strategy);
    const options = backend.defaultMaxTokens !== undefined ? { defaultMaxTokens: backend.defaultMaxTokens } : {};
    encoded = CODECS[kind].encodeRequest(neutral, { toolNames, ...options });
  } catch (error) {
    const why = isRefusal(error) ? error.message : (error as Error).message;
    return { refused: `the continuation cannot be expressed for the ${kind} backend ${backend.id}: ${why}` };
  }
  const protocol = job.protocol as ProtocolName;
  const state: TranslationState = {
    from: protocol,
    to: kind,
    model: encoded.model,
    stream: true,
    includeUsage: includesUsage(protocol, request),
    toolNames,
  };
  const sent: Job = {
    ...job,
    body: Buffer.from(JSON.stringify(encoded.body), 'utf8'),
    upstreamPath: protocolSpec(kind).chat.upstreamPath(encoded.model, true),
    headers: kind === protocol ? job.headers : translatedHeaders(job.headers, backend),
  };
  return {
    job: sent,
    stream() {
      translator.switchUpstream(state, new ContinuationFilter(translator.progress()));
      return streamStep(translator, () => request);
    },
  };
}
