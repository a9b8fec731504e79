import type { StreamEncodeContext, StreamEncoder } from '../neutral/codec.js';
import type { Json, StreamEvent, Usage } from '../neutral/types.js';
import { sseFrame } from '../neutral/sse.js';
import { finishToOpenAi } from '../neutral/stop-reasons.js';
import { usageToOpenAi } from '../neutral/usage.js';

/**
 * Neutral events → OpenAI chat.completion.chunk SSE. Each choice's first chunk carries
 * `role: assistant`; reasoning goes out as `delta.reasoning_content` (signatures are dropped);
 * usage is held and sent as the last chunk (`choices: []`) when the client asked for it with
 * `stream_options.include_usage`; `end()` sends `data: [DONE]`. After an `error` event (sent as
 * an in-band `data: {"error": ...}` frame) nothing more is written, not even `[DONE]`.
 */
export class OpenAiStreamEncoder implements StreamEncoder {
  private id = '';
  private model = '';
  private created = 0;
  private readonly roleSent = new Set<number>();
  private usage: Usage | undefined;
  private closed = false;

  constructor(private readonly context: StreamEncodeContext) {}

  push(event: StreamEvent): string[] {
    if (this.closed) return [];
    switch (event.type) {
      case 'start':
        this.id = event.id;
        this.model = event.model;
        this.created = event.created;
        return [this.chunk(0, {})];
      case 'text-delta':
        return [this.chunk(event.choice, { content: event.text })];
      case 'reasoning-delta':
        return event.text === '' ? [] : [this.chunk(event.choice, { reasoning_content: event.text })];
      case 'tool-call-start':
        return [
          this.chunk(event.choice, {
            tool_calls: [{ index: event.tool, id: event.id, type: 'function', function: { name: event.name, arguments: '' } }],
          }),
        ];
      case 'tool-call-delta':
        return [this.chunk(event.choice, { tool_calls: [{ index: event.tool, function: { arguments: event.arguments } }] })];
      case 'tool-call-end':
        return [];
      case 'finish':
        return [this.chunk(event.choice, {}, finishToOpenAi(event.reason))];
      case 'usage':
        this.usage = event.usage;
        return [];
      case 'error':
        this.closed = true;
        return [sseFrame({ error: { message: event.message, type: event.errorType ?? 'upstream_error', code: null } })];
    }
  }

  end(): string[] {
    if (this.closed) return [];
    this.closed = true;
    const out: string[] = [];
    if (this.context.includeUsage && this.usage) out.push(sseFrame({ ...this.base(), choices: [], usage: usageToOpenAi(this.usage) }));
    out.push('data: [DONE]\n\n');
    return out;
  }

  private base(): Json {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model };
  }

  private chunk(choice: number, delta: Json, finishReason: string | null = null): string {
    const withRole = this.roleSent.has(choice) ? delta : { role: 'assistant', content: '', ...delta };
    this.roleSent.add(choice);
    return sseFrame({ ...this.base(), choices: [{ index: choice, delta: withRole, logprobs: null, finish_reason: finishReason }] });
  }
}
