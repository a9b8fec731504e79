import type { StreamEncoder } from '../neutral/codec.js';
import type { FinishReason, Json, StreamEvent, Usage } from '../neutral/types.js';
import { lenientArguments } from '../neutral/json.js';
import { sseFrame } from '../neutral/sse.js';
import { finishToGemini } from '../neutral/stop-reasons.js';
import { usageToGemini } from '../neutral/usage.js';

/**
 * Neutral events → Gemini SSE (`data: <GenerateContentResponse>` per chunk, no terminal
 * marker). Text and thought deltas go out as they come; a tool call is held until its end and
 * sent as one functionCall part (its arguments parsed once); a signature-only reasoning delta
 * signs the next part sent. `end()` sends the last chunk: each finished candidate's
 * finishReason and the usageMetadata. After an `error` event (sent as `data: {"error": ...}`)
 * nothing more is written.
 */
interface HeldCall {
  id: string;
  name: string;
  args: string;
}

export class GeminiStreamEncoder implements StreamEncoder {
  private id = '';
  private model = '';
  private readonly calls = new Map<string, HeldCall>();
  private readonly signatures = new Map<number, string>();
  private readonly finishes = new Map<number, FinishReason>();
  private usage: Usage | undefined;
  private closed = false;

  push(event: StreamEvent): string[] {
    if (this.closed) return [];
    switch (event.type) {
      case 'start':
        this.id = event.id;
        this.model = event.model;
        return [];
      case 'text-delta':
        return event.text === '' ? [] : [this.chunk(event.choice, { text: event.text })];
      case 'reasoning-delta':
        if (event.text === '') {
          if (event.signature !== undefined) this.signatures.set(event.choice, event.signature);
          return [];
        }
        return [
          this.chunk(event.choice, {
            text: event.text,
            thought: true,
            ...(event.signature !== undefined ? { thoughtSignature: event.signature } : {}),
          }),
        ];
      case 'tool-call-start':
        this.calls.set(`${event.choice}:${event.tool}`, { id: event.id, name: event.name, args: '' });
        return [];
      case 'tool-call-delta': {
        const call = this.calls.get(`${event.choice}:${event.tool}`);
        if (call) call.args += event.arguments;
        return [];
      }
      case 'tool-call-end':
        return this.flushCall(event.choice, event.tool);
      case 'finish':
        this.finishes.set(event.choice, event.reason);
        return [];
      case 'usage':
        this.usage = event.usage;
        return [];
      case 'error':
        this.closed = true;
        return [sseFrame({ error: { code: 500, message: event.message, status: event.errorType ?? 'INTERNAL' } })];
    }
  }

  end(): string[] {
    if (this.closed) return [];
    this.closed = true;
    const out: string[] = [];
    for (const key of [...this.calls.keys()]) {
      const [choice, tool] = key.split(':').map(Number);
      out.push(...this.flushCall(choice ?? 0, tool ?? 0));
    }
    const candidates = [...this.finishes].map(([index, reason]) => {
      const signature = this.signatures.get(index);
      return {
        content: { role: 'model', parts: [{ text: '', ...(signature !== undefined ? { thoughtSignature: signature } : {}) }] },
        finishReason: finishToGemini(reason),
        index,
      };
    });
    const last: Json = {
      candidates,
      ...(this.usage ? { usageMetadata: usageToGemini(this.usage) } : {}),
      modelVersion: this.model,
      responseId: this.id,
    };
    if (candidates.length > 0 || this.usage) out.push(sseFrame(last));
    return out;
  }

  private flushCall(choice: number, tool: number): string[] {
    const call = this.calls.get(`${choice}:${tool}`);
    if (!call) return [];
    this.calls.delete(`${choice}:${tool}`);
    return [this.chunk(choice, { functionCall: { id: call.id, name: call.name, args: lenientArguments(call.args) } })];
  }

  private chunk(choice: number, part: Json): string {
    const signature = this.signatures.get(choice);
    if (signature !== undefined) this.signatures.delete(choice);
    const signed = signature === undefined ? part : { ...part, thoughtSignature: signature };
    return sseFrame({ candidates: [{ content: { role: 'model', parts: [signed] }, index: choice }], modelVersion: this.model, responseId: this.id });
  }
}
