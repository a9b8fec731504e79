import type { JsonMember } from '../shared/json-member.js';
import type { BackendConfig } from '../config/schema.js';
import type { CONTINUATION_STRATEGIES } from '../config/stream-resume-schema.js';
import type { FuseboxError } from '../shared/errors.js';
import type { UpstreamCode } from '../shared/upstream-code.js';

export type { UpstreamCode } from '../shared/upstream-code.js';
export { UpstreamBodyError } from '../shared/body-error.js';

/**
 * The contracts between the routing pipeline and the HTTP layer. Routing declares what it
 * needs (a Transport to reach upstreams, a ClientSink to answer the client); src/http
 * implements both and createGateway wires them together.
 */
/**
 * The client's API, by name: a ProtocolSpec's name in src/http/protocols (its registry lists
 * them). Routing only compares it with backend `kind`s: a backend of the same `kind` is served
 * byte for byte; one of another kind only through the job's `translation` (chat endpoints).
 */
export type Protocol = string;

export interface Job {
  readonly id: string;
  readonly protocol: Protocol;
  readonly model: string;
  readonly stream: boolean;
  /** Path appended to the BaseURL, e.g. `/chat/completions`. */
  readonly upstreamPath: string;
  readonly body: Buffer;
  /** The body's content type upstream: `application/json`, or the client's multipart type with its boundary. */
  readonly contentType: string;
  /** What a 2xx answer must be: a JSON object (else it fails as `body_malformed`), or any bytes (audio, text). */
  readonly expects: 'json' | 'any';
  /** Client headers that may be forwarded (already filtered by the HTTP layer). */
  readonly headers: Readonly<Record<string, string>>;
  readonly receivedAt: number;
  /** Aborted when the client goes away. */
  readonly signal: CancelSignal;
  readonly sink: ClientSink;
  /** Present on chat routes when backends of other kinds may serve the job (translation-step.ts). */
  readonly translation?: JobTranslation;
  /** The id of the client key the request came with (never the key); absent when no keys are configured. */
  readonly clientKey?: string;
  /** Present on streamed chat routes: how a stream that broke after its first byte is continued (stream-resume.ts). */
  readonly resume?: StreamResume;
}

/**
 * What routing needs of a cancellation signal (the client went away): an AbortSignal has it,
 * and so has the server's lighter ClientGone (src/http/server/client-gone.ts), made once per request.
 * Listeners run at most once; one added after the abort never runs.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface ClientSink {
  /** True once the status line has been sent: from then on, no failover. */
  readonly started: boolean;
  /**
   * A whole response at once. Its head: the upstream's headers (`upstream`), fusebox's own
   * (`own`, winning over an upstream header of the same name), the length and the request id.
   * Neither object is changed.
   */
  respond(status: number, upstream: Readonly<Record<string, string>>, own: Readonly<Record<string, string>>, body: Buffer): void;
  /** Begin a streamed response, its head made as `respond`'s; it is sent with the first `write`. */
  start(status: number, upstream: Readonly<Record<string, string>>, own: Readonly<Record<string, string>>): void;
  /**
   * Write one chunk. Undefined when the client can take more at once; otherwise a promise that
   * resolves when it has drained (backpressure), so the common case costs no promise.
   */
  write(chunk: Buffer): Promise<void> | undefined;
  end(): void;
  /** Answer with an error: a whole error response, or an in-band error event once started. */
  fail(error: FuseboxError, headers?: Record<string, string>): void;
}

export interface Attempt {
  readonly job: Job;
  readonly backend: BackendConfig;
  readonly baseUrlIndex: number;
  readonly credentialId: string;
  /**
   * A 2xx answer that is not an event stream is read whole by the transport before the reply
   * resolves, at most this many bytes (more fails the attempt as `response_too_large`); its
   * body then has `whole`. Absent: the body is read through `next`/`pipe` as it arrives.
   */
  readonly wholeUpTo?: number;
}

/** What came back from one upstream call, before classification. */
export type UpstreamReply =
  | { readonly kind: 'failed'; readonly code: UpstreamCode; readonly message: string; readonly afterMs: number }
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: UpstreamBody;
      /** ms from sending the request to the response headers. */
      readonly headersAfterMs: number;
    };

/** Pull-based body with backpressure: the upstream is paused while chunks are not taken. */
export interface UpstreamBody {
  /** The next chunk, or null at the end; rejects with an UpstreamBodyError. */
  next(): Promise<Buffer | null>;
  /**
   * Hands every remaining chunk to `write` as it arrives, pausing the upstream while a returned
   * promise (the client's backpressure) is pending; resolves at the end, rejects with an
   * UpstreamBodyError. No promise per chunk: this is how streams pass through.
   */
  pipe(write: (chunk: Buffer) => Promise<void> | undefined): Promise<void>;
  /** Abort the upstream request; pending and later `next()` calls reject with `reason` as the code. */
  cancel(reason: UpstreamCode): void;
  /**
   * The tokens the answer reports, once the body has been read: a whole answer's from `whole`
   * (the body as read), an event stream's from its first event and its last bytes. Absent or
   * null when the answer reports none.
   */
  usage?(whole?: Buffer, members?: readonly JsonMember[] | null): TokenUsage | null;
  /** The whole body, when it is already in memory (nothing was cancelled or failed): read it without `next`. */
  readonly whole?: Buffer;
}

/** Tokens of one answer (input counts cached prompt tokens; output counts reasoning tokens). */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** The one error a body read fails with, upstream or collected: its code says why. */

export interface Transport {
  send(attempt: Attempt, signal: CancelSignal): Promise<UpstreamReply>;
}

/**
 * How a job is served by a backend of another kind. Routing knows no protocol: the protocols
 * layer puts one on the Jobs of its chat routes (src/http/protocols/translation-route.ts), and
 * the attempt asks it for the call to make (translation-step.ts).
 */
export interface JobTranslation {
  /** The backend kinds, other than the job's own, this request may be translated to. */
  readonly targets: ReadonlySet<Protocol>;
  /** The call for `backend` asking for `model` (the route's), or why it cannot be made. */
  to(job: Job, backend: BackendConfig, model: string): TranslatedCall | TranslationRefused;
}

export interface TranslationRefused {
  /** Names the client's field the backend's protocol cannot express. */
  readonly refused: string;
}

export interface TranslatedCall {
  /** The job as the backend's protocol sees it: body, upstream path, headers (the sink is the client's). */
  readonly job: Job;
  /** `client->target`, the `x-fusebox-translated` header. */
  readonly label: string;
  /** A whole upstream body (2xx answer or 4xx error) in the client's format; null when a 2xx body cannot be read. */
  whole(status: number, body: Buffer): Buffer | null;
  /** A translator for one upstream stream; `resumable`: an upstream error event is a break (`failed`), not a client frame. */
  stream(resumable: boolean): StreamStep;
}

export interface StreamStep {
  push(chunk: Buffer): Buffer[];
  end(): Buffer[];
  /** Set once the upstream sent an error event that the step read as a break (resumable steps only); nothing more is written. */
  readonly failed: string | null;
  /** What the client has of the answer so far, to continue it elsewhere after a break. */
  partial(): PartialAnswer;
}

/** How an answer broken off mid-stream is continued, in the order a backend's `continuation` lists them. */
export type ContinuationStrategy = (typeof CONTINUATION_STRATEGIES)[number];

/**
 * Stream resume, as routing needs it (docs/stream-resume.md). The protocols layer puts one on
 * streamed chat Jobs (src/http/protocols/stream-resume-route.ts); routing knows no protocol.
 */
export interface StreamResume {
  /**
   * A replay of a stream passed through untouched: it is given every byte the client got, in
   * order, in pieces of whole events, and decodes them to learn the answer so far. Made only
   * once a stream is long (its bytes are folded into the replay as it goes) or broke.
   */
  replay(job: Job): ForwardedReplay;
}

export interface ForwardedReplay {
  /** The next whole events the client got. */
  push(bytes: Buffer): void;
  /** The answer so far, once every byte forwarded was pushed. */
  partial(): PartialAnswer;
}

export interface PartialAnswer {
  /** False when a tool call is half sent, the answer has several choices, or it already finished. */
  readonly resumable: boolean;
  /** Characters of answer text the client has. */
  readonly keptChars: number;
  /** True when the client already has the whole answer (its finish), only the stream's end is missing. */
  readonly finished: boolean;
  /** The client stream's end (its terminal event, held usage), for a `finished` answer. */
  closing(): Buffer[];
  /** The continuation request for `backend` asking for `model` (the route's), or why it cannot be made. */
  continuation(job: Job, backend: BackendConfig, model: string, strategy: ContinuationStrategy): ContinuationCall | TranslationRefused;
}

export interface ContinuationCall {
  /** The continuation request as the backend's protocol sees it. */
  readonly job: Job;
  /** Carries the continuation into the client's stream: same id, no second opening, overlap trimmed. */
  stream(): StreamStep;
}

/**
 * Half-open probe permits shared by the instances of a cluster (src/cluster), asked only for a
 * route that probes (`Route.probes`), after the actors' own permits were taken. Absent: an
 * actor's own permit is the only one.
 */
export interface ProbePermits {
  /**
   * One permit for each of `actorIds`, or null when other instances hold every permit of one
   * of them (the route is skipped). Resolves within its own small bound: when the shared store
   * is unreachable or slow, the local permits stand alone (fail-open).
   */
  take(actorIds: readonly string[]): Promise<PermitHold | null>;
}

export interface PermitHold {
  /** Gives the permits back (once the attempt's outcome is known); later calls do nothing. */
  release(): void;
}
