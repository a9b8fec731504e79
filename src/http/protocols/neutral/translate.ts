import type { ProtocolCodec, StreamDecoder, StreamEncoder } from './codec.js';
import type { Json, ProtocolName, SseEvent, StreamEvent } from './types.js';
import type { ToolNameMap } from './tool-names.js';
import { anthropicCodec } from '../anthropic/codec.js';
import { geminiCodec } from '../gemini/codec.js';
import { openAiCodec } from '../openai/codec.js';
import { SseParser } from './sse.js';
import { StreamProgressTracker, type StreamProgress } from './stream-progress.js';
import type { ContinuationFilter } from './continuation-filter.js';

/**
 * The translation entry points, keyed by protocol name. A translation is
 * `client → neutral → target` for the request and `target → neutral → client` for the
 * response and the stream. All functions are pure apart from the stream translator's own state.
 *
 * Contract:
 * - `translateRequest` parses the client body and encodes it for the target. It throws
 *   `TranslationRefusal` (neutral/refusal.ts: `field`, `message`, status 400) for anything the
 *   target cannot express; the caller answers 400 in the client's error format. The returned
 *   `state` must be kept for the response: it holds the shortened → original tool names.
 * - `translateResponse` turns the target's JSON body into the client's.
 * - `createStreamTranslator` turns the target's SSE bytes (or parsed SSE events) into the
 *   client's SSE bytes, ending with the client's terminal marker (OpenAI `data: [DONE]`,
 *   Anthropic `message_stop`; Gemini has none). Upstream data that is not JSON, or an upstream
 *   error event, becomes the client's in-band error frame, after which nothing more is written.
 *   The client stream is closed as soon as the target's terminal marker arrives, or at `end()`.
 *   `progress()` says what the client has received so far (see stream-progress.ts).
 * Each SSE data line is JSON-parsed exactly once; nothing is re-parsed per chunk.
 */
export const CODECS: Readonly<Record<ProtocolName, ProtocolCodec>> = { openai: openAiCodec, anthropic: anthropicCodec, gemini: geminiCodec };

export interface TranslationState {
  readonly from: ProtocolName;
  readonly to: ProtocolName;
  /** The model the target is asked for (Gemini: goes in the path). */
  readonly model: string;
  readonly stream: boolean;
  /** OpenAI clients get a usage chunk only when they asked (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
  readonly toolNames: ToolNameMap;
}

export interface TranslateRequestOptions {
  /** The model when the client's protocol carries it in the path (Gemini). */
  model?: string;
  /** Whether the client streams, when its protocol says so in the path (Gemini). */
  stream?: boolean;
  /** Anthropic's required max_tokens when the client sent none (a backend setting). */
  defaultMaxTokens?: number;
}

export interface TranslatedRequest {
  body: Json;
  model: string;
  stream: boolean;
  state: TranslationState;
}

export function translateRequest(from: ProtocolName, to: ProtocolName, body: Json, options: TranslateRequestOptions = {}): TranslatedRequest {
  const neutral = CODECS[from].parseRequest(body, {
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.stream !== undefined ? { stream: options.stream } : {}),
  });
  const toolNames: ToolNameMap = {};
  const encoded = CODECS[to].encodeRequest(neutral, {
    toolNames,
    ...(options.defaultMaxTokens !== undefined ? { defaultMaxTokens: options.defaultMaxTokens } : {}),
  });
  const includeUsage = from !== 'openai' || neutral.includeUsage === true;
  return { ...encoded, state: { from, to, model: encoded.model, stream: encoded.stream, includeUsage, toolNames } };
}

export function translateResponse(state: TranslationState, body: Json): Json {
  const neutral = CODECS[state.to].parseResponse(body, { toolNames: state.toolNames, model: state.model });
  return CODECS[state.from].encodeResponse(neutral);
}

export interface StreamTranslator {
  /** Target SSE bytes (any split) or one parsed SSE event → client SSE bytes to write now. */
  push(input: Uint8Array | SseEvent): Buffer[];
  /** The target body ended: flush and close the client stream (terminal marker included). */
  end(): Buffer[];
  /** True once the target's terminal marker was seen (Anthropic message_stop, OpenAI [DONE], every Gemini candidate finished). */
  readonly done: boolean;
  /** What the client has been sent so far. */
  progress(): StreamProgress;
  /** True when no tool call is half sent. */
  readonly safeToResume: boolean;
  /**
   * Continues the same client stream from another upstream (stream resume): later input is read
   * as `state.to`'s SSE. The client's stream keeps its id and opening (the new upstream's `start`
   * is not forwarded); tool calls of the continuation are numbered after those already sent.
   * Call it only while the stream is open and `safeToResume` holds. With a `filter`
   * (continuation-filter.ts) the continuation's events pass through it, and it numbers the tool calls.
   */
  switchUpstream(state: TranslationState, filter?: ContinuationFilter): void;
  /**
   * With `breakOnError`: the message of the upstream error event that broke the stream (it is
   * not sent to the client, and nothing more is written), else null.
   */
  readonly failed: string | null;
  /** Closes the client stream as `end()` does, without reading what the upstream left half sent. */
  close(): Buffer[];
}

export interface StreamTranslatorOptions {
  /** An upstream error event is a break to resume from (`failed`), not a client frame. */
  breakOnError?: boolean;
}

export function createStreamTranslator(state: TranslationState, options: StreamTranslatorOptions = {}): StreamTranslator {
  return new Translator(
    CODECS[state.to].createStreamDecoder({ toolNames: state.toolNames, model: state.model }),
    CODECS[state.from].createStreamEncoder({ includeUsage: state.includeUsage }),
    options.breakOnError === true,
  );
}

class Translator implements StreamTranslator {
  private parser = new SseParser();
  private readonly tracker = new StreamProgressTracker();
  private ended = false;
  private started = false;
  /** Per choice, how many tool calls earlier upstreams sent (continuations number after them). */
  private toolOffsets = new Map<number, number>();
  private filter: ContinuationFilter | null = null;
  failed: string | null = null;

  constructor(
    private decoder: StreamDecoder,
    private readonly encoder: StreamEncoder,
    private readonly breakOnError: boolean,
  ) {}

  switchUpstream(state: TranslationState, filter?: ContinuationFilter): void {
    if (this.ended) throw new Error('switchUpstream on a closed stream');
    this.decoder = CODECS[state.to].createStreamDecoder({ toolNames: state.toolNames, model: state.model });
    this.parser = new SseParser();
    this.failed = null;
    this.filter = filter ?? null;
    const offsets = filter ? [] : this.tracker.snapshot().choices.map((choice) => [choice.index, choice.toolCalls.length] as const);
    this.toolOffsets = new Map(offsets);
  }

  get done(): boolean {
    return this.decoder.done;
  }

  get safeToResume(): boolean {
    return this.tracker.safeToResume;
  }

  progress(): StreamProgress {
    return this.tracker.snapshot();
  }

  /** An upstream error event broke the stream (breakOnError): nothing more is read or written. */
  private broken(): boolean {
    return this.failed !== null;
  }

  push(input: Uint8Array | SseEvent): Buffer[] {
    if (this.ended || this.broken()) return [];
    const events = input instanceof Uint8Array ? this.parser.push(input) : [input];
    const frames: string[] = [];
    for (const event of events) this.decode(() => this.decoder.push(event), frames);
    if (this.decoder.done && !this.broken()) this.finish(frames);
    return pack(frames);
  }

  end(): Buffer[] {
    if (this.ended || this.broken()) return [];
    const frames: string[] = [];
    for (const event of this.parser.end()) this.decode(() => this.decoder.push(event), frames);
    if (!this.broken()) this.finish(frames);
    return pack(frames);
  }

  close(): Buffer[] {
    if (this.ended) return [];
    this.ended = true;
    return pack(this.encoder.end());
  }

  /** Flushes the decoder (and the continuation filter) and closes the client stream, once. */
  private finish(frames: string[]): void {
    this.decode(() => this.decoder.end(), frames);
    if (this.filter) for (const event of this.filter.flush()) this.emit(event, frames);
    this.ended = true;
    frames.push(...this.encoder.end());
  }

  private decode(step: () => StreamEvent[], frames: string[]): void {
    let events: StreamEvent[];
    try {
      events = step();
    } catch (error) {
      events = [{ type: 'error', message: `upstream stream could not be translated: ${error instanceof Error ? error.message : String(error)}` }];
    }
    for (const raw of events) {
      for (const event of this.filter ? this.filter.push(raw) : [raw]) this.emit(event, frames);
    }
  }

  private emit(raw: StreamEvent, frames: string[]): void {
    if (this.failed !== null) return;
    if (raw.type === 'error' && this.breakOnError) {
      this.failed = raw.message;
      return;
    }
    if (raw.type === 'start' && this.started) return;
    if (raw.type === 'start') this.started = true;
    const offset = 'tool' in raw ? (this.toolOffsets.get(raw.choice) ?? 0) : 0;
    const event = offset === 0 || !('tool' in raw) ? raw : { ...raw, tool: raw.tool + offset };
    this.tracker.apply(event);
    frames.push(...this.encoder.push(event));
  }
}

function pack(frames: string[]): Buffer[] {
  return frames.length === 0 ? [] : [Buffer.from(frames.join(''))];
}
