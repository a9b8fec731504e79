import type { FinishReason, StreamEvent, Usage } from './types.js';

/**
 * What a translated stream has emitted to the client so far, rebuilt from the neutral events
 * (the contract a stream-resume feature reads to continue an answer): per choice the text, the
 * reasoning (and its last signature), tool calls with their arguments and whether each is
 * complete (its end was emitted), and the finish reason once sent. `safeToResume` is true when
 * no tool call is open, i.e. the answer stops at a boundary a continuation can start from.
 */
export interface EmittedToolCall {
  index: number;
  id: string;
  name: string;
  arguments: string;
  complete: boolean;
}

export interface EmittedChoice {
  index: number;
  text: string;
  reasoning: string;
  reasoningSignature?: string;
  toolCalls: EmittedToolCall[];
  finishReason?: FinishReason;
}

export interface StreamProgress {
  id: string;
  model: string;
  started: boolean;
  choices: EmittedChoice[];
  usage?: Usage;
  error?: string;
}

export class StreamProgressTracker {
  private readonly state: StreamProgress = { id: '', model: '', started: false, choices: [] };

  apply(event: StreamEvent): void {
    const s = this.state;
    switch (event.type) {
      case 'start':
        s.started = true;
        s.id = event.id;
        s.model = event.model;
        return;
      case 'text-delta':
        this.choice(event.choice).text += event.text;
        return;
      case 'reasoning-delta': {
        const choice = this.choice(event.choice);
        choice.reasoning += event.text;
        if (event.signature !== undefined) choice.reasoningSignature = event.signature;
        return;
      }
      case 'tool-call-start':
        this.choice(event.choice).toolCalls.push({ index: event.tool, id: event.id, name: event.name, arguments: '', complete: false });
        return;
      case 'tool-call-delta': {
        const call = this.call(event.choice, event.tool);
        if (call) call.arguments += event.arguments;
        return;
      }
      case 'tool-call-end': {
        const call = this.call(event.choice, event.tool);
        if (call) call.complete = true;
        return;
      }
      case 'finish':
        this.choice(event.choice).finishReason = event.reason;
        return;
      case 'usage':
        s.usage = event.usage;
        return;
      case 'error':
        s.error = event.message;
        return;
    }
  }

  /** A snapshot: later events do not change it. */
  snapshot(): StreamProgress {
    return structuredClone(this.state);
  }

  get safeToResume(): boolean {
    return this.state.choices.every((choice) => choice.toolCalls.every((call) => call.complete));
  }

  private choice(index: number): EmittedChoice {
    let choice = this.state.choices.find((c) => c.index === index);
    if (!choice) {
      choice = { index, text: '', reasoning: '', toolCalls: [] };
      this.state.choices.push(choice);
    }
    return choice;
  }

  private call(choice: number, tool: number): EmittedToolCall | undefined {
    return this.choice(choice).toolCalls.find((call) => call.index === tool);
  }
}
