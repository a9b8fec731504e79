import type { StreamEncoder } from '../neutral/codec.js';
import type { FinishReason, Json, StreamEvent, Usage } from '../neutral/types.js';
import { sseFrame } from '../neutral/sse.js';
import { finishToAnthropic } from '../neutral/stop-reasons.js';
import { usageToAnthropic } from '../neutral/usage.js';

/**
 * Neutral events → Anthropic Messages SSE (choice 0 only: Anthropic has one answer; events of
 * other choices are ignored, and requests asking for several are refused upstream of here).
 * Content blocks are opened and closed strictly in sequence: text, thinking (a lone signature
 * opens an empty thinking block), redacted_thinking, tool_use. The finish and usage are held:
 * `end()` closes the open block and sends message_delta (stop_reason and the whole usage, input
 * side included, since a translated upstream reports it only at the end) and message_stop.
 * After an `error` event (sent as `event: error`) nothing more is written.
 */
type BlockKind = 'text' | 'thinking' | 'tool';

export class AnthropicStreamEncoder implements StreamEncoder {
  private started = false;
  private block: { kind: BlockKind; index: number; tool?: number } | undefined;
  private nextIndex = 0;
  private reason: FinishReason = 'stop';
  private stopSequence: string | undefined;
  private usage: Usage | undefined;
  private closed = false;

  push(event: StreamEvent): string[] {
    if (this.closed) return [];
    const out: string[] = [];
    if (event.type === 'start') {
      this.ensureStarted(out, event.id, event.model, event.usage);
      return out;
    }
    if (event.type === 'usage') this.usage = event.usage;
    else if (event.type === 'error') {
      this.closed = true;
      out.push(sseFrame({ type: 'error', error: { type: event.errorType ?? 'api_error', message: event.message } }, 'error'));
    } else if ('choice' in event && event.choice === 0) this.content(event, out);
    return out;
  }

  end(): string[] {
    if (this.closed) return [];
    this.closed = true;
    const out: string[] = [];
    this.ensureStarted(out, '', '');
    this.closeBlock(out);
    const usage = usageToAnthropic(this.usage ?? { inputTokens: 0, outputTokens: 0 });
    out.push(
      sseFrame(
        {
          type: 'message_delta',
          delta: { stop_reason: finishToAnthropic(this.reason, this.stopSequence), stop_sequence: this.stopSequence ?? null },
          usage,
        },
        'message_delta',
      ),
    );
    out.push(sseFrame({ type: 'message_stop' }, 'message_stop'));
    return out;
  }

  private ensureStarted(out: string[], id: string, model: string, usage?: Usage): void {
    if (this.started) return;
    this.started = true;
    const early = usage ? usageToAnthropic(usage) : { input_tokens: 0, output_tokens: 0 };
    const message = { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: early };
    out.push(sseFrame({ type: 'message_start', message }, 'message_start'));
  }

  private content(event: Exclude<StreamEvent, { type: 'start' | 'usage' | 'error' }>, out: string[]): void {
    switch (event.type) {
      case 'text-delta':
        if (event.text === '') return;
        this.open('text', { type: 'text', text: '' }, out);
        {
          this.delta({ type: 'text_delta', text: event.text }, out);
          return;
        }
      case 'reasoning-delta': {
        this.reasoning(event, out);
        return;
      }
      case 'tool-call-start':
        this.closeBlock(out);
        this.open('tool', { type: 'tool_use', id: event.id, name: event.name, input: {} }, out, event.tool);
        return;
      case 'tool-call-delta':
        if (this.block?.kind === 'tool' && this.block.tool === event.tool && event.arguments !== '')
          this.delta({ type: 'input_json_delta', partial_json: event.arguments }, out);
        return;
      case 'tool-call-end':
        if (this.block?.kind === 'tool' && this.block.tool === event.tool) this.closeBlock(out);
        return;
      case 'finish':
        this.reason = event.reason;
        this.stopSequence = event.stopSequence;
        return;
    }
  }

  private reasoning(event: Extract<StreamEvent, { type: 'reasoning-delta' }>, out: string[]): void {
    if (event.redacted !== undefined) {
      this.closeBlock(out);
      this.open('thinking', { type: 'redacted_thinking', data: event.redacted }, out);
      this.closeBlock(out);
      return;
    }
    if (event.text === '' && event.signature === undefined) return;
    this.open('thinking', { type: 'thinking', thinking: '', signature: '' }, out);
    if (event.text !== '') this.delta({ type: 'thinking_delta', thinking: event.text }, out);
    if (event.signature !== undefined) {
      this.delta({ type: 'signature_delta', signature: event.signature }, out);
      this.closeBlock(out);
    }
  }

  /** Opens a block of `kind` unless one is open already (a tool block always opens anew). */
  private open(kind: BlockKind, contentBlock: Json, out: string[], tool?: number): void {
    if (this.block?.kind === kind && kind !== 'tool') return;
    this.closeBlock(out);
    this.block = { kind, index: this.nextIndex++, ...(tool !== undefined ? { tool } : {}) };
    out.push(sseFrame({ type: 'content_block_start', index: this.block.index, content_block: contentBlock }, 'content_block_start'));
  }

  private delta(delta: Json, out: string[]): void {
    out.push(sseFrame({ type: 'content_block_delta', index: this.block?.index ?? 0, delta }, 'content_block_delta'));
  }

  private closeBlock(out: string[]): void {
    if (!this.block) return;
    out.push(sseFrame({ type: 'content_block_stop', index: this.block.index }, 'content_block_stop'));
    this.block = undefined;
  }
}
