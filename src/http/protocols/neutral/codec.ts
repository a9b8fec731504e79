import type { Json, NeutralRequest, NeutralResponse, SseEvent, StreamEvent } from './types.js';
import type { ToolNameMap } from './tool-names.js';

/**
 * What each protocol folder provides for translation (`openai/`, `anthropic/`, `gemini/`
 * codec-*.ts). All functions are pure; decoders and encoders hold only their own stream state.
 * Every function may throw `TranslationRefusal` naming the field it cannot map.
 */
export interface ParseRequestContext {
  /** The model when the protocol carries it in the path (Gemini). */
  model?: string;
  /** Whether the client asked for a stream when the protocol says so in the path (Gemini). */
  stream?: boolean;
}

export interface EncodeRequestContext {
  /** Receives the shortened → original tool names this encoding introduced. */
  toolNames: ToolNameMap;
  /** Anthropic requires max_tokens: used when the request has none (a backend setting). */
  defaultMaxTokens?: number;
}

export interface ResponseContext {
  /** Shortened → original tool names: decoders and parsers of the target restore them. */
  toolNames: ToolNameMap;
  /** Model name to report when the source response has none. */
  model: string;
}

export interface StreamEncodeContext {
  /** OpenAI clients get a usage chunk only when they asked for it. */
  includeUsage: boolean;
}

/** Upstream SSE events → neutral events. `done` turns true at the protocol's terminal marker. */
export interface StreamDecoder {
  push(event: SseEvent): StreamEvent[];
  /** The upstream body ended: flush what is buffered (open tool calls, a missing finish). */
  end(): StreamEvent[];
  readonly done: boolean;
}

/** Neutral events → the client's SSE text. `end()` closes the stream with the terminal marker. */
export interface StreamEncoder {
  push(event: StreamEvent): string[];
  end(): string[];
}

export interface ProtocolCodec {
  parseRequest(body: Json, context: ParseRequestContext): NeutralRequest;
  /** `model` is returned apart because Gemini puts it in the path, not the body. */
  encodeRequest(request: NeutralRequest, context: EncodeRequestContext): { body: Json; model: string; stream: boolean };
  parseResponse(body: Json, context: ResponseContext): NeutralResponse;
  encodeResponse(response: NeutralResponse): Json;
  createStreamDecoder(context: ResponseContext): StreamDecoder;
  createStreamEncoder(context: StreamEncodeContext): StreamEncoder;
}
