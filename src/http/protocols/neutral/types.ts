/**
 * The neutral form every translation passes through: `client → neutral → target` for requests,
 * `target → neutral → client` for responses and streams. It holds exactly what at least two of
 * the three protocols (OpenAI Chat Completions, Anthropic Messages, Gemini generateContent) can
 * express; a field a codec cannot place is refused with a `TranslationRefusal`, never dropped.
 */
export type ProtocolName = 'openai' | 'anthropic' | 'gemini';

/** A JSON object as it arrives on the wire (codecs read it field by field). */
export type Json = Record<string, unknown>;

export type ImageSource = { kind: 'url'; url: string } | { kind: 'base64'; mediaType: string; data: string };

export interface TextPart {
  type: 'text';
  text: string;
}
export interface ImagePart {
  type: 'image';
  source: ImageSource;
}
/** `arguments` is JSON text (OpenAI's form); codecs parse it once where the target wants an object. */
export interface ToolCallPart {
  type: 'tool-call';
  id: string;
  name: string;
  arguments: string;
}
export interface ToolResultPart {
  type: 'tool-result';
  toolCallId: string;
  /** The called tool's name when known (Gemini needs it; resolved from the call with the same id). */
  toolName?: string;
  content: Array<TextPart | ImagePart>;
  isError?: boolean;
}
/**
 * Model reasoning. `signature` is the provider's opaque proof (Anthropic `signature`, Gemini
 * `thoughtSignature`) that must be sent back unchanged for multi-turn tool use; `redacted` is
 * Anthropic's `redacted_thinking.data`.
 */
export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  signature?: string;
  redacted?: string;
}

export type ContentPart = TextPart | ImagePart | ToolCallPart | ToolResultPart | ReasoningPart;

/** `tool` messages carry only tool-result parts; system text lives in `NeutralRequest.system`. */
export interface NeutralMessage {
  role: 'user' | 'assistant' | 'tool';
  content: ContentPart[];
}

export interface NeutralTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments (an object schema). */
  parameters: Json;
}

export type ToolChoice = { type: 'auto' } | { type: 'none' } | { type: 'required' } | { type: 'tool'; name: string };

export type ResponseFormat = { type: 'text' } | { type: 'json' } | { type: 'json_schema'; schema: Json; name?: string; strict?: boolean };

export interface ReasoningConfig {
  /** false: thinking explicitly disabled. */
  enabled: boolean;
  budgetTokens?: number;
  effort?: 'minimal' | 'low' | 'medium' | 'high';
}

export interface NeutralRequest {
  model: string;
  /** Every system / developer instruction in order; joined with SYSTEM_SEPARATOR where the target takes one string. */
  system: string[];
  messages: NeutralMessage[];
  tools: NeutralTool[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
  seed?: number;
  n?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseFormat?: ResponseFormat;
  reasoning?: ReasoningConfig;
  stream: boolean;
  /** OpenAI client asked for `stream_options.include_usage`; other clients always get usage. */
  includeUsage?: boolean;
}

export const SYSTEM_SEPARATOR = '\n\n';

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error' | 'other';

/**
 * Token usage in OpenAI's semantics: `inputTokens` counts every prompt token, cached or not
 * (cache reads and cache writes included); `outputTokens` includes reasoning tokens.
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

export type AssistantPart = TextPart | ImagePart | ToolCallPart | ReasoningPart;

export interface NeutralChoice {
  index: number;
  content: AssistantPart[];
  finishReason: FinishReason;
  /** The stop sequence that ended the output, when the source says which. */
  stopSequence?: string;
}

export interface NeutralResponse {
  id: string;
  model: string;
  /** Unix seconds; 0 when the source has none. */
  created: number;
  choices: NeutralChoice[];
  usage?: Usage;
}

/**
 * Stream events, modelled on @ai-sdk/provider's stream parts. `choice` is the choice/candidate
 * index; `tool` the tool call's index within its choice. Invariants every decoder keeps:
 * `start` comes first and once; a tool call's `tool-call-start` (with its final id and name)
 * precedes its deltas and `tool-call-end` follows them; tool calls of one choice do not
 * interleave; `finish` comes once per choice; `usage` may repeat (the last one wins: encoders hold
 * it until they close the stream); `start.usage` is an early, partial count (Anthropic's input
 * side) for encoders that report one first.
 */
export type StreamEvent =
  | { type: 'start'; id: string; model: string; created: number; usage?: Usage }
  | { type: 'text-delta'; choice: number; text: string }
  | { type: 'reasoning-delta'; choice: number; text: string; signature?: string; redacted?: string }
  | { type: 'tool-call-start'; choice: number; tool: number; id: string; name: string }
  | { type: 'tool-call-delta'; choice: number; tool: number; arguments: string }
  | { type: 'tool-call-end'; choice: number; tool: number }
  | { type: 'finish'; choice: number; reason: FinishReason; stopSequence?: string }
  | { type: 'usage'; usage: Usage }
  | { type: 'error'; message: string; errorType?: string };

/** One SSE event as framed on the wire: `event:` name (if any) and the joined `data:` lines. */
export interface SseEvent {
  event?: string;
  data: string;
}
