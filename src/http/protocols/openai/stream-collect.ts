import { UpstreamBodyError } from '../../../shared/body-error.js';
import type { StreamCollector } from '../types.js';

/**
 * Collects an OpenAI completion stream (chat or text) into the one JSON body the same request
 * would have had without `stream`: choices merged by index (content, refusal, tool calls
 * concatenated), the last `usage` seen, ids from the first chunk. Used only for `streamOnly`
 * backends, the one place fusebox parses SSE payloads.
 */

interface ToolCall {
  id?: string;
  type?: string;
  function: { name: string; arguments: string };
}

interface Choice {
  index: number;
  role: string;
  content: string | null;
  text: string;
  refusal: string | null;
  toolCalls: ToolCall[];
  finishReason: string | null;
}

interface Chunk {
  id?: string;
  object?: string;
  created?: number;
  model?: string;
  system_fingerprint?: string;
  usage?: unknown;
  error?: unknown;
  choices?: {
    index?: number;
    text?: string;
    finish_reason?: string | null;
    delta?: {
      role?: string;
      content?: string | null;
      refusal?: string | null;
      tool_calls?: { index?: number; id?: string; type?: string; function?: { name?: string; arguments?: string } }[];
    };
  }[];
}

/**
 * Collects an OpenAI completion stream (chat or text) into the one JSON body the same request
 * would have had without `stream`: choices merged by index (content, refusal, tool calls
 * concatenated), the last `usage` seen, ids from the first chunk.
 */
export class CompletionCollector implements StreamCollector {
  private readonly decoder = new TextDecoder();
  private pending = '';
  private data: string[] = [];
  private first: Chunk | null = null;
  private usage: unknown = undefined;
  private readonly choices = new Map<number, Choice>();

  /** Feeds raw stream bytes; throws an UpstreamBodyError on an error event or malformed JSON. */
  push(chunk: Buffer): void {
    this.pending += this.decoder.decode(chunk, { stream: true });
    const lines = this.pending.split(/\r\n|\r|\n/);
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  /** The completion as JSON, once the stream has ended. */
  result(): Buffer {
    this.push(Buffer.alloc(0));
    if (this.pending !== '') this.line(this.pending);
    this.line('');
    if (this.first === null) throw new UpstreamBodyError('empty_stream', 'the stream held no completion chunk');
    const text = this.first.object === 'text_completion';
    const choices = [...this.choices.values()].sort((a, b) => a.index - b.index).map((c) => (text ? textChoice(c) : chatChoice(c)));
    return Buffer.from(
      JSON.stringify({
        id: this.first.id,
        object: text ? 'text_completion' : 'chat.completion',
        created: this.first.created,
        model: this.first.model,
        ...(this.first.system_fingerprint === undefined ? {} : { system_fingerprint: this.first.system_fingerprint }),
        choices,
        ...(this.usage === undefined ? {} : { usage: this.usage }),
      }),
    );
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.event(this.data.join('\n'));
      this.data = [];
    } else if (line.startsWith('data:')) {
      this.data.push(line.charCodeAt(5) === 0x20 ? line.slice(6) : line.slice(5));
    }
  }

  private event(payload: string): void {
    if (payload.trim() === '[DONE]' || payload.trim() === '') return;
    let chunk: Chunk;
    try {
      chunk = JSON.parse(payload) as Chunk;
    } catch {
      throw new UpstreamBodyError('stream_malformed', 'a stream event was not valid JSON');
    }
    if (chunk.error !== undefined) throw new UpstreamBodyError('stream_error_event', 'the upstream sent an error event');
    this.first ??= chunk;
    if (chunk.usage) this.usage = chunk.usage;
    for (const part of chunk.choices ?? []) this.merge(part);
  }

  private merge(part: NonNullable<Chunk['choices']>[number]): void {
    const index = part.index ?? 0;
    let choice = this.choices.get(index);
    if (!choice) {
      choice = { index, role: 'assistant', content: null, text: '', refusal: null, toolCalls: [], finishReason: null };
      this.choices.set(index, choice);
    }
    if (part.text) choice.text += part.text;
    if (part.finish_reason) choice.finishReason = part.finish_reason;
    const delta = part.delta;
    if (!delta) return;
    if (delta.role) choice.role = delta.role;
    if (typeof delta.content === 'string') choice.content = (choice.content ?? '') + delta.content;
    if (typeof delta.refusal === 'string') choice.refusal = (choice.refusal ?? '') + delta.refusal;
    for (const call of delta.tool_calls ?? []) {
      const at = call.index ?? 0;
      const target = (choice.toolCalls[at] ??= { function: { name: '', arguments: '' } });
      if (call.id) target.id = call.id;
      if (call.type) target.type = call.type;
      if (call.function?.name) target.function.name += call.function.name;
      if (call.function?.arguments) target.function.arguments += call.function.arguments;
    }
  }
}

function chatChoice(choice: Choice): unknown {
  const toolCalls = choice.toolCalls.filter(Boolean).map((call) => ({ ...call, type: call.type ?? 'function' }));
  return {
    index: choice.index,
    message: {
      role: choice.role,
      content: choice.content,
      refusal: choice.refusal,
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    },
    logprobs: null,
    finish_reason: choice.finishReason,
  };
}

function textChoice(choice: Choice): unknown {
  return { index: choice.index, text: choice.text, logprobs: null, finish_reason: choice.finishReason };
}
