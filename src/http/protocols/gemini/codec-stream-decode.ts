import type { ResponseContext, StreamDecoder } from '../neutral/codec.js';
import type { Json, SseEvent, StreamEvent, Usage } from '../neutral/types.js';
import { isObject, textOf } from '../neutral/json.js';
import { finishFromGemini } from '../neutral/stop-reasons.js';
import { usageFromGemini } from '../neutral/usage.js';
import { parseGeminiParts } from './codec-response.js';

/**
 * Gemini streamGenerateContent?alt=sse → neutral events. Every chunk is a whole
 * GenerateContentResponse; its parts are deltas. A functionCall arrives whole: start, one delta
 * (the arguments as JSON text) and end at once, with the same synthetic ids as the JSON path.
 * usageMetadata repeats in chunks: the last one is emitted once, when every candidate seen has
 * finished (then `done`), or at `end()`. Gemini has no terminal marker.
 */
interface CandidateState {
  calls: number;
  finished: boolean;
}

export class GeminiStreamDecoder implements StreamDecoder {
  done = false;
  private started = false;
  private id = '';
  private usage: Usage | undefined;
  private usageSent = false;
  private readonly candidates = new Map<number, CandidateState>();

  constructor(private readonly context: ResponseContext) {}

  push(event: SseEvent): StreamEvent[] {
    if (this.done) return [];
    const chunk = JSON.parse(event.data) as Json;
    if (isObject(chunk.error))
      return [
        {
          type: 'error',
          message: textOf(chunk.error.message, 'upstream error'),
          ...(typeof chunk.error.status === 'string' ? { errorType: chunk.error.status } : {}),
        },
      ];
    const out: StreamEvent[] = [];
    if (!this.started) {
      this.started = true;
      this.id = typeof chunk.responseId === 'string' ? chunk.responseId : '';
      out.push({ type: 'start', id: this.id, model: typeof chunk.modelVersion === 'string' ? chunk.modelVersion : this.context.model, created: 0 });
    }
    this.usage = usageFromGemini(chunk.usageMetadata) ?? this.usage;
    const candidates = Array.isArray(chunk.candidates) ? chunk.candidates.filter(isObject) : [];
    candidates.forEach((candidate, i) => this.candidate(candidate, i, out));
    if (candidates.length === 0 && isObject(chunk.promptFeedback) && chunk.promptFeedback.blockReason) {
      this.state(0).finished = true;
      out.push({ type: 'finish', choice: 0, reason: 'content_filter' });
    }
    if (this.candidates.size > 0 && [...this.candidates.values()].every((c) => c.finished)) {
      this.done = true;
      this.flushUsage(out);
    }
    return out;
  }

  end(): StreamEvent[] {
    const out: StreamEvent[] = [];
    this.flushUsage(out);
    return out;
  }

  private flushUsage(out: StreamEvent[]): void {
    if (this.usage && !this.usageSent) out.push({ type: 'usage', usage: this.usage });
    this.usageSent = true;
  }

  private state(index: number): CandidateState {
    let state = this.candidates.get(index);
    if (!state) this.candidates.set(index, (state = { calls: 0, finished: false }));
    return state;
  }

  private candidate(candidate: Json, i: number, out: StreamEvent[]): void {
    const choice = typeof candidate.index === 'number' ? candidate.index : i;
    const state = this.state(choice);
    const parts = isObject(candidate.content) && Array.isArray(candidate.content.parts) ? candidate.content.parts : [];
    for (const part of parseGeminiParts(parts, `${this.id || 'gemini'}_${choice}`, this.context, state.calls)) {
      if (part.type === 'text' && part.text !== '') out.push({ type: 'text-delta', choice, text: part.text });
      else if (part.type === 'reasoning')
        out.push({ type: 'reasoning-delta', choice, text: part.text, ...(part.signature !== undefined ? { signature: part.signature } : {}) });
      else if (part.type === 'tool-call') {
        const tool = state.calls++;
        out.push({ type: 'tool-call-start', choice, tool, id: part.id, name: part.name });
        out.push({ type: 'tool-call-delta', choice, tool, arguments: part.arguments });
        out.push({ type: 'tool-call-end', choice, tool });
      }
    }
    if (typeof candidate.finishReason === 'string' && !state.finished) {
      state.finished = true;
      out.push({ type: 'finish', choice, reason: finishFromGemini(candidate.finishReason, state.calls > 0) });
    }
  }
}
