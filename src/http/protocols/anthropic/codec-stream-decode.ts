import type { ResponseContext, StreamDecoder } from '../neutral/codec.js';
import type { Json, SseEvent, StreamEvent } from '../neutral/types.js';
import { isObject, textOf } from '../neutral/json.js';
import { finishFromAnthropic } from '../neutral/stop-reasons.js';
import { restoreToolName } from '../neutral/tool-names.js';
import { usageFromAnthropic } from '../neutral/usage.js';

/**
 * Anthropic Messages SSE → neutral events (choice 0). Usage arrives in halves (input side in
 * message_start, output in message_delta; numeric fields of the later one win): they are merged
 * field by field and emitted once, after the finish, at message_delta. Content blocks map by their `index`: tool_use blocks get neutral tool indexes
 * 0, 1, ... in order. `message_stop` sets `done`.
 */
export class AnthropicStreamDecoder implements StreamDecoder {
  done = false;
  private usage: Json | undefined;
  private readonly tools = new Map<number, number>();
  private finished = false;

  constructor(private readonly context: ResponseContext) {}

  push(event: SseEvent): StreamEvent[] {
    if (this.done) return [];
    const data = JSON.parse(event.data) as Json;
    switch (data.type) {
      case 'message_start':
        return this.start(isObject(data.message) ? data.message : {});
      case 'content_block_start':
        return this.blockStart(Number(data.index ?? 0), isObject(data.content_block) ? data.content_block : {});
      case 'content_block_delta':
        return this.blockDelta(Number(data.index ?? 0), isObject(data.delta) ? data.delta : {});
      case 'content_block_stop': {
        const tool = this.tools.get(Number(data.index ?? 0));
        return tool === undefined ? [] : [{ type: 'tool-call-end', choice: 0, tool }];
      }
      case 'message_delta':
        return this.delta(data);
      case 'message_stop':
        this.done = true;
        return [];
      case 'error': {
        const error = isObject(data.error) ? data.error : {};
        return [
          { type: 'error', message: textOf(error.message, 'upstream error'), ...(typeof error.type === 'string' ? { errorType: error.type } : {}) },
        ];
      }
      default:
        return [];
    }
  }

  end(): StreamEvent[] {
    return [];
  }

  private start(message: Json): StreamEvent[] {
    if (isObject(message.usage)) this.usage = { ...message.usage };
    const usage = usageFromAnthropic(this.usage);
    return [
      {
        type: 'start',
        id: textOf(message.id),
        model: typeof message.model === 'string' ? message.model : this.context.model,
        created: 0,
        ...(usage ? { usage } : {}),
      },
    ];
  }

  private blockStart(index: number, block: Json): StreamEvent[] {
    if (block.type === 'text')
      return typeof block.text === 'string' && block.text !== '' ? [{ type: 'text-delta', choice: 0, text: block.text }] : [];
    if (block.type === 'thinking')
      return typeof block.thinking === 'string' && block.thinking !== '' ? [{ type: 'reasoning-delta', choice: 0, text: block.thinking }] : [];
    if (block.type === 'redacted_thinking') return [{ type: 'reasoning-delta', choice: 0, text: '', redacted: textOf(block.data) }];
    if (block.type !== 'tool_use') return [];
    const tool = this.tools.size;
    this.tools.set(index, tool);
    const out: StreamEvent[] = [
      {
        type: 'tool-call-start',
        choice: 0,
        tool,
        id: textOf(block.id),
        name: restoreToolName(textOf(block.name), this.context.toolNames),
      },
    ];
    if (isObject(block.input) && Object.keys(block.input).length > 0)
      out.push({ type: 'tool-call-delta', choice: 0, tool, arguments: JSON.stringify(block.input) });
    return out;
  }

  private blockDelta(index: number, delta: Json): StreamEvent[] {
    switch (delta.type) {
      case 'text_delta':
        return typeof delta.text === 'string' && delta.text !== '' ? [{ type: 'text-delta', choice: 0, text: delta.text }] : [];
      case 'thinking_delta':
        return typeof delta.thinking === 'string' && delta.thinking !== '' ? [{ type: 'reasoning-delta', choice: 0, text: delta.thinking }] : [];
      case 'signature_delta':
        return [{ type: 'reasoning-delta', choice: 0, text: '', signature: textOf(delta.signature) }];
      case 'input_json_delta': {
        const tool = this.tools.get(index);
        const json = typeof delta.partial_json === 'string' ? delta.partial_json : '';
        return tool === undefined || json === '' ? [] : [{ type: 'tool-call-delta', choice: 0, tool, arguments: json }];
      }
      default:
        return [];
    }
  }

  private delta(data: Json): StreamEvent[] {
    const out: StreamEvent[] = [];
    if (isObject(data.usage)) {
      const merged: Json = { ...this.usage };
      for (const [key, value] of Object.entries(data.usage)) if (typeof value === 'number') merged[key] = value;
      this.usage = merged;
    }
    const delta = isObject(data.delta) ? data.delta : {};
    if (!this.finished && typeof delta.stop_reason === 'string') {
      this.finished = true;
      const stopSequence = typeof delta.stop_sequence === 'string' ? delta.stop_sequence : undefined;
      out.push({
        type: 'finish',
        choice: 0,
        reason: finishFromAnthropic(delta.stop_reason),
        ...(stopSequence !== undefined ? { stopSequence } : {}),
      });
    }
    const usage = usageFromAnthropic(this.usage);
    if (usage) out.push({ type: 'usage', usage });
    return out;
  }
}
