import type { NeutralMessage } from './types.js';

/**
 * Gives each tool result the name of the call it answers (matched by id over the whole
 * conversation), since Gemini's functionResponse is keyed by name. Results whose id matches no
 * call keep `toolName` undefined; the Gemini encoder refuses them.
 */
export function fillToolNames(messages: NeutralMessage[]): void {
  const names = new Map<string, string>();
  for (const message of messages) {
    for (const part of message.content) {
      if (part.type === 'tool-call') names.set(part.id, part.name);
      else if (part.type === 'tool-result' && part.toolName === undefined) {
        const name = names.get(part.toolCallId);
        if (name !== undefined) part.toolName = name;
      }
    }
  }
}

/** A stable id for a call that has none (Gemini): the same response and position give the same id. */
export function syntheticCallId(scope: string, position: number): string {
  return `call_${scope}_${position}`;
}
