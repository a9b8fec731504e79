import { HOLD_BACK, overlapLength } from './overlap.js';
import type { StreamProgress } from './stream-progress.js';
import type { StreamEvent } from './types.js';

/**
 * The continuation's neutral events, made fit to follow what the client already has
 * (stream resume, docs/stream-resume.md). Contract:
 * - its `start` is dropped (the client's stream is already open, with its own id);
 * - the first `HOLD_BACK` characters of its text are held back, and the part of them that
 *   restates the end of the partial text is dropped (overlap.ts); any other event, or `flush`,
 *   releases what is held first;
 * - its reasoning is dropped once the client has anything of the answer (it would come after
 *   the text, or repeat the reasoning the client already has);
 * - a tool call is held until it is complete: one identical (same name and arguments) to a call
 *   the client already has is dropped, the others go out numbered after the client's calls.
 */
export class ContinuationFilter {
  private held = '';
  private settled = false;
  private readonly partialText: string;
  private readonly dropReasoning: boolean;
  /** The client's complete calls not yet matched by a re-sent one. */
  private readonly sent: { name: string; arguments: string }[];
  private nextTool: number;
  private call: { events: StreamEvent[]; name: string; arguments: string } | null = null;

  constructor(progress: StreamProgress) {
    const choice = progress.choices.find((c) => c.index === 0);
    this.partialText = choice?.text ?? '';
    this.sent = (choice?.toolCalls ?? []).map((c) => ({ name: c.name, arguments: c.arguments }));
    this.nextTool = this.sent.length;
    this.dropReasoning = this.partialText !== '' || (choice?.reasoning ?? '') !== '' || this.sent.length > 0;
  }

  push(event: StreamEvent): StreamEvent[] {
    switch (event.type) {
      case 'start':
        return [];
      case 'text-delta':
        return this.text(event);
      case 'reasoning-delta':
        return this.dropReasoning ? [] : [event];
      case 'tool-call-start':
      case 'tool-call-delta':
      case 'tool-call-end':
        return [...this.flush(), ...this.tool(event)];
      default:
        return [...this.flush(), event];
    }
  }

  /** Releases the held text (trimmed of its overlap with the partial). */
  flush(): StreamEvent[] {
    if (this.settled) return [];
    this.settled = true;
    const rest = this.held.slice(overlapLength(this.partialText, this.held));
    this.held = '';
    return rest === '' ? [] : [{ type: 'text-delta', choice: 0, text: rest }];
  }

  private text(event: Extract<StreamEvent, { type: 'text-delta' }>): StreamEvent[] {
    if (this.settled || event.choice !== 0) return [event];
    this.held += event.text;
    return this.held.length >= HOLD_BACK ? this.flush() : [];
  }

  private tool(event: Extract<StreamEvent, { type: 'tool-call-start' | 'tool-call-delta' | 'tool-call-end' }>): StreamEvent[] {
    if (event.type === 'tool-call-start') this.call = { events: [], name: event.name, arguments: '' };
    const call = this.call;
    if (call === null) return [];
    call.events.push(event);
    if (event.type === 'tool-call-delta') call.arguments += event.arguments;
    if (event.type !== 'tool-call-end') return [];
    this.call = null;
    const same = this.sent.findIndex((s) => s.name === call.name && s.arguments === call.arguments);
    if (same >= 0) {
      this.sent.splice(same, 1);
      return [];
    }
    const tool = this.nextTool++;
    return call.events.map((e) => ({ ...e, tool }) as StreamEvent);
  }
}
