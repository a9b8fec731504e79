import type { ResponseContext, StreamDecoder } from '../neutral/codec.js';
import type { Json, SseEvent, StreamEvent } from '../neutral/types.js';
import { isObject, textOf } from '../neutral/json.js';
import { finishFromOpenAi } from '../neutral/stop-reasons.js';
import { restoreToolName } from '../neutral/tool-names.js';
import { usageFromOpenAi } from '../neutral/usage.js';

/**
 * OpenAI chat.completion.chunk SSE → neutral events. Tool-call deltas are routed by
 * (choice, index); a call's argument fragments are buffered until both its id and name are known
 * (some servers send them late), then emitted after its `tool-call-start`. Starting call k+1
 * ends call k; a fragment for an ended call is an `error` event (interleaving is not
 * representable downstream). `[DONE]` sets `done`.
 */
interface PendingCall {
  id?: string;
  name?: string;
  buffered: string;
  started: boolean;
  ended: boolean;
}

interface ChoiceState {
  calls: Map<number, PendingCall>;
  current?: number;
  finished: boolean;
}

export class OpenAiStreamDecoder implements StreamDecoder {
  done = false;
  private started = false;
  private readonly choices = new Map<number, ChoiceState>();

  constructor(private readonly context: ResponseContext) {}

  push(event: SseEvent): StreamEvent[] {
    if (this.done) return [];
    if (event.data === '[DONE]') {
      this.done = true;
      return this.flushAll();
    }
    const chunk = JSON.parse(event.data) as Json;
    const out: StreamEvent[] = [];
    if (isObject(chunk.error)) {
      out.push({
        type: 'error',
        message: textOf(chunk.error.message, 'upstream error'),
        ...(typeof chunk.error.type === 'string' ? { errorType: chunk.error.type } : {}),
      });
      return out;
    }
    if (!this.started) {
      this.started = true;
      out.push({
        type: 'start',
        id: textOf(chunk.id),
        model: typeof chunk.model === 'string' ? chunk.model : this.context.model,
        created: typeof chunk.created === 'number' ? chunk.created : 0,
      });
    }
    if (Array.isArray(chunk.choices)) for (const raw of chunk.choices) if (isObject(raw)) this.choice(raw, out);
    const usage = usageFromOpenAi(chunk.usage);
    if (usage) out.push({ type: 'usage', usage });
    return out;
  }

  end(): StreamEvent[] {
    return this.flushAll();
  }

  private state(index: number): ChoiceState {
    let state = this.choices.get(index);
    if (!state) this.choices.set(index, (state = { calls: new Map(), finished: false }));
    return state;
  }

  private choice(raw: Json, out: StreamEvent[]): void {
    const index = typeof raw.index === 'number' ? raw.index : 0;
    const state = this.state(index);
    const delta = isObject(raw.delta) ? raw.delta : {};
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (typeof reasoning === 'string' && reasoning !== '') out.push({ type: 'reasoning-delta', choice: index, text: reasoning });
    if (typeof delta.content === 'string' && delta.content !== '') out.push({ type: 'text-delta', choice: index, text: delta.content });
    if (typeof delta.refusal === 'string' && delta.refusal !== '') out.push({ type: 'text-delta', choice: index, text: delta.refusal });
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) if (isObject(call)) this.toolDelta(index, state, call, out);
    if (typeof raw.finish_reason === 'string' && !state.finished) {
      this.flushCalls(index, state, out);
      state.finished = true;
      out.push({ type: 'finish', choice: index, reason: finishFromOpenAi(raw.finish_reason) });
    }
  }

  private toolDelta(choice: number, state: ChoiceState, raw: Json, out: StreamEvent[]): void {
    const tool = typeof raw.index === 'number' ? raw.index : 0;
    let call = state.calls.get(tool);
    if (!call) state.calls.set(tool, (call = { buffered: '', started: false, ended: false }));
    const fn = isObject(raw.function) ? raw.function : {};
    if (typeof raw.id === 'string' && raw.id !== '' && !call.started) call.id = raw.id;
    if (typeof fn.name === 'string' && fn.name !== '' && !call.started) call.name = restoreToolName(fn.name, this.context.toolNames);
    const args = typeof fn.arguments === 'string' ? fn.arguments : '';
    if (call.ended) {
      if (args !== '') out.push({ type: 'error', message: `tool call ${tool} of choice ${choice} received arguments after the next call began` });
      return;
    }
    if (call.started) {
      if (args !== '') out.push({ type: 'tool-call-delta', choice, tool, arguments: args });
      return;
    }
    call.buffered += args;
    if (call.id !== undefined && call.name !== undefined) this.startCall(choice, state, tool, call, out);
  }

  private startCall(choice: number, state: ChoiceState, tool: number, call: PendingCall, out: StreamEvent[]): void {
    if (state.current !== undefined && state.current !== tool) this.endCall(choice, state, state.current, out);
    call.started = true;
    state.current = tool;
    out.push({ type: 'tool-call-start', choice, tool, id: call.id ?? `call_${choice}_${tool}`, name: call.name ?? '' });
    if (call.buffered !== '') out.push({ type: 'tool-call-delta', choice, tool, arguments: call.buffered });
    call.buffered = '';
  }

  private endCall(choice: number, state: ChoiceState, tool: number, out: StreamEvent[]): void {
    const call = state.calls.get(tool);
    if (!call || call.ended) return;
    call.ended = true;
    out.push({ type: 'tool-call-end', choice, tool });
  }

  /** Calls still without id or name start now (with a synthesized id), in index order; all end. */
  private flushCalls(choice: number, state: ChoiceState, out: StreamEvent[]): void {
    for (const tool of [...state.calls.keys()].sort((a, b) => a - b)) {
      const call = state.calls.get(tool);
      if (!call || call.ended) continue;
      if (!call.started) this.startCall(choice, state, tool, call, out);
      this.endCall(choice, state, tool, out);
    }
  }

  private flushAll(): StreamEvent[] {
    const out: StreamEvent[] = [];
    for (const [index, state] of this.choices) this.flushCalls(index, state, out);
    return out;
  }
}
