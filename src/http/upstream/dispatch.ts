import type { Dispatcher } from 'undici';
import type { Pool } from './undici-pool.js';
import type { Clock } from '../../shared/clock.js';
import type { TimeoutsConfig } from '../../config/schema.js';
import type { CancelSignal, Protocol, UpstreamCode, UpstreamReply } from '../../routing/types.js';
import { isEventStream } from '../../shared/content-type.js';
import { clientResponseHeaders, type HeaderMap } from '../protocols/headers.js';
import { protocolSpec } from '../protocols/registry.js';
import type { ProtocolSpec } from '../protocols/types.js';
import { closingBytes, FirstEventScanner, judgeEnd, TailKeeper } from './sse-scan.js';
import { BoundedChunks } from '../../routing/bounded-body.js';
import { BodyQueue, memoryBody, type UsageOf } from './body-queue.js';
import { ReportDropper } from './report-dropper.js';
import { errorCode } from './error-code.js';

/**
 * One upstream request through undici's `dispatch`, with the stream guard built in.
 *
 * Contract for a streaming request answered 2xx with `text/event-stream`: the reply resolves
 * only once the first SSE data event has arrived (bytes and comments before it are queued in
 * the body, not lost). Until then, a failure resolves as `failed`, so the caller can still
 * fail over: `timeout_first_chunk` (no data event within `firstChunkMs` of the request being
 * written to a connection: time spent waiting for a free connection is not the upstream's fault),
 * `empty_stream` (ended without one, or with only `[DONE]`), `stream_error_event` (the first
 * event is an error). After it, failures reach the body: `timeout_idle` (undici bodyTimeout),
 * `timeout_total`, resets, and `stream_truncated` (a stream that ended cleanly with neither
 * its protocol's terminal event nor a finish reason). A stream that reports a finish reason
 * but lacks the terminal event ends complete, with the terminal event appended to the body.
 *
 * With `wholeUpTo`, a 2xx answer that is not an event stream resolves only once its body is
 * read whole (its body then has `whole`): failures while reading resolve as `failed`, a body
 * over the limit as `response_too_large`. The first-byte clock stops at the headers, as it does
 * for any reply; `headersAfterMs` is still the time to the headers.
 *
 * A 2xx body reads its usage with the protocol's UsageReading: a whole answer from the body as
 * read, a stream from its bytes up to the first data event and its kept tail. A stream whose
 * usage report fusebox asked for (`dropUsageReport`) reaches the body without that report.
 */
export interface DispatchPlan {
  readonly method: 'POST' | 'GET';
  readonly path: string;
  readonly headers: HeaderMap;
  readonly body: Buffer | null;
  /** The upstream is asked to stream. */
  readonly streaming: boolean;
  readonly protocol: Protocol;
  readonly timeouts: TimeoutsConfig;
  /** What is left of the request's total deadline for this attempt. */
  readonly totalMs: number;
  /** fusebox asked this stream for a usage report the client did not ask for: keep it from the client. */
  readonly dropUsageReport?: boolean;
  /** A 2xx answer that is not an event stream resolves only once read whole, at most this many bytes (see Attempt.wholeUpTo). */
  readonly wholeUpTo?: number;
}

type ResponseReply = Extract<UpstreamReply, { kind: 'response' }>;

export function dispatchOnce(pool: Pool, plan: DispatchPlan, signal: CancelSignal, clock: Clock): Promise<UpstreamReply> {
  const request = new GuardedRequest(plan, signal, clock);
  try {
    pool.dispatch(
      {
        method: plan.method,
        path: plan.path,
        headers: plan.headers,
        body: plan.body,
        headersTimeout: plan.totalMs,
        bodyTimeout: plan.timeouts.idleMs,
      },
      request,
    );
  } catch (error) {
    request.fail('dispatch_error', (error as Error).message);
  }
  return request.reply;
}

/** The dispatch handler: timers, the first-event guard and the body queue of one request. */
class GuardedRequest implements Dispatcher.DispatchHandler {
  readonly reply: Promise<UpstreamReply>;
  private resolve!: (reply: UpstreamReply) => void;
  private readonly started: number;
  private controller: Dispatcher.DispatchController | null = null;
  private body: BodyQueue | null = null;
  private abortCode: UpstreamCode | null = null;
  private settled = false;
  /** A 2xx event stream waiting for its first data event. */
  private proving: ResponseReply | null = null;
  private sse = false;
  /** Made only for a 2xx event stream: the first-event guard, the kept tail, how it ends. */
  private scanner: FirstEventScanner | null = null;
  private tail: TailKeeper | null = null;
  private spec: ProtocolSpec | null = null;
  /** The stream's chunks up to its first data event (references), for the usage its first event reports. */
  private head: Buffer[] | null = null;
  private dropper: ReportDropper | null = null;
  /** A 2xx answer read whole before the reply resolves (plan.wholeUpTo): its status, headers and time to them, and its bytes so far. */
  private collecting: {
    readonly status: number;
    readonly headers: Record<string, string>;
    readonly afterMs: number;
    readonly chunks: BoundedChunks;
  } | null = null;
  private totalTimer: unknown;
  private firstTimer: unknown = null;
  private readonly onClientAbort = () => this.abort('client_cancelled');

  constructor(
    private readonly plan: DispatchPlan,
    private readonly signal: CancelSignal,
    private readonly clock: Clock,
  ) {
    this.reply = new Promise((resolve) => (this.resolve = resolve));
    this.started = clock.now();
    signal.addEventListener('abort', this.onClientAbort, { once: true });
    this.totalTimer = clock.setTimeout(() => this.abort('timeout_total'), plan.totalMs);
  }

  /** Called by undici when the request is written to a connection: the first-chunk clock starts. */
  onRequestStart(ctrl: Dispatcher.DispatchController): void {
    this.controller = ctrl;
    if (this.abortCode !== null || this.signal.aborted) {
      ctrl.abort(new Error(this.abortCode ?? 'client_cancelled'));
      return;
    }
    if (this.firstTimer === null) {
      const { firstChunkMs, firstByteMs } = this.plan.timeouts;
      const [code, ms] = this.plan.streaming ? (['timeout_first_chunk', firstChunkMs] as const) : (['timeout_first_byte', firstByteMs] as const);
      this.firstTimer = this.clock.setTimeout(() => this.abort(code), ms);
    }
  }

  onResponseStart(ctrl: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return;
    const replyHeaders = clientResponseHeaders(headers);
    this.sse = this.plan.streaming && statusCode < 300 && isEventStream(replyHeaders);
    if (!this.sse && statusCode < 300 && this.plan.wholeUpTo !== undefined) {
      this.collectWhole(statusCode, replyHeaders, this.plan.wholeUpTo);
      return;
    }
    this.body = new BodyQueue(ctrl);
    const reply: ResponseReply = { kind: 'response', status: statusCode, headers: replyHeaders, body: this.body, headersAfterMs: 0 };
    if (statusCode < 300) this.readUsage(this.body, protocolSpec(this.plan.protocol));
    if (!this.sse) {
      this.proven(reply);
      return;
    }
    this.proving = reply;
    this.scanner = new FirstEventScanner();
    this.spec = protocolSpec(this.plan.protocol);
    this.tail = new TailKeeper();
    this.head = [];
    const isReport = this.spec.usage.isReport;
    if (this.plan.dropUsageReport && isReport) this.dropper = new ReportDropper(isReport);
  }

  /** The answer's headers are in: the first byte has come; the reply waits for the whole body. */
  private collectWhole(status: number, headers: Record<string, string>, limit: number): void {
    if (this.firstTimer !== null) this.clock.clearTimeout(this.firstTimer);
    this.collecting = { status, headers, afterMs: this.clock.now() - this.started, chunks: new BoundedChunks(limit) };
  }

  private readUsage(body: BodyQueue, spec: ProtocolSpec): void {
    if (!this.sse) {
      body.usageOf = wholeUsage(spec);
      return;
    }
    body.usageOf = () => (this.tail && this.head ? spec.usage.fromStream(Buffer.concat(this.head), this.tail.tail()) : null);
  }

  onResponseData(_ctrl: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.collecting !== null) {
      if (!this.collecting.chunks.add(chunk)) this.abort('response_too_large');
      return;
    }
    this.toBody(this.dropper ? this.dropper.push(chunk) : chunk);
    if (!this.sse) return;
    this.tail?.push(chunk);
    if (this.proving === null) return;
    this.head?.push(chunk);
    const first = this.scanner!.push(chunk);
    if (first === 'data') {
      // A stream of named events may end with a long final event (the Responses API's carries the whole answer).
      if (this.scanner!.named && this.spec!.streamEnding.endingEvents) this.tail!.followEvents();
      const reply = this.proving;
      this.proving = null;
      this.proven(reply);
    } else if (first === 'error') {
      this.abort('stream_error_event');
    }
  }

  onResponseEnd(): void {
    if (this.collecting !== null) {
      this.finish();
      const { status, headers, afterMs, chunks } = this.collecting;
      const body = memoryBody(chunks.result(), undefined, wholeUsage(protocolSpec(this.plan.protocol)));
      this.settle({ kind: 'response', status, headers, body, headersAfterMs: afterMs });
      return;
    }
    if (this.proving !== null) {
      this.proving = null;
      this.fail('empty_stream', 'the upstream stream ended without a data event');
      return;
    }
    this.finish();
    if (this.sse && this.tail && this.spec) this.endStream(this.spec, this.tail.tail());
    else this.body?.end();
  }

  private toBody(chunk: Buffer | null): void {
    if (chunk !== null && chunk.length > 0) this.body?.push(chunk);
  }

  /** A cleanly ended event stream: complete, completed by its terminal event, or truncated. */
  private endStream(spec: ProtocolSpec, tail: Buffer): void {
    if (this.dropper) this.toBody(this.dropper.flush());
    const end = judgeEnd(spec.terminalMarker, spec.streamEnding, tail);
    if (end === 'truncated') {
      this.body?.error('stream_truncated', 'the upstream stream ended without its final event or a finish reason');
      return;
    }
    if (end === 'unterminated') this.body?.push(closingBytes(spec.streamEnding, tail));
    this.body?.end();
  }

  onResponseError(_ctrl: Dispatcher.DispatchController, error: Error): void {
    const code = this.abortCode ?? errorCode(error);
    this.fail(code, this.abortCode ? code : error.message);
  }

  /** Before the reply: resolves it as failed. After: the body's reader gets the error. */
  fail(code: UpstreamCode, message: string): void {
    this.finish();
    if (!this.settled) this.settle({ kind: 'failed', code, message, afterMs: this.clock.now() - this.started });
    else this.body?.error(code, message);
  }

  private proven(reply: ResponseReply): void {
    if (this.firstTimer !== null) this.clock.clearTimeout(this.firstTimer);
    this.settle({ ...reply, headersAfterMs: this.clock.now() - this.started });
  }

  private settle(reply: UpstreamReply): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(reply);
  }

  private abort(code: UpstreamCode): void {
    if (this.abortCode !== null) return;
    this.abortCode = code;
    this.controller?.abort(new Error(code));
  }

  private finish(): void {
    this.clock.clearTimeout(this.totalTimer);
    if (this.firstTimer !== null) this.clock.clearTimeout(this.firstTimer);
    this.signal.removeEventListener('abort', this.onClientAbort);
  }
}

export { isEventStream };

/** A whole answer's usage, read with its protocol's UsageReading; one reader per protocol, not per reply. */
function wholeUsage(spec: ProtocolSpec): UsageOf {
  let reader = wholeUsages.get(spec);
  if (reader === undefined) {
    reader = (whole, members) => (whole ? spec.usage.fromBody(whole, members) : null);
    wholeUsages.set(spec, reader);
  }
  return reader;
}

const wholeUsages = new Map<ProtocolSpec, UsageOf>();
