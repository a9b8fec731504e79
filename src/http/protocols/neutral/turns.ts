import type { ContentPart, NeutralMessage } from './types.js';

/**
 * Groups consecutive messages that the target sends as one turn (`roleOf` gives the target's
 * role; equal roles merge). Used for Anthropic's strict user/assistant alternation, Gemini's
 * user/model turns, and OpenAI's run of tool messages. Parts keep their order; empty text parts
 * are removed (Anthropic rejects empty text blocks); turns left empty are dropped.
 */
export interface Turn {
  role: string;
  content: ContentPart[];
}

export function mergeTurns(messages: readonly NeutralMessage[], roleOf: (role: NeutralMessage['role']) => string): Turn[] {
  const turns: Turn[] = [];
  for (const message of messages) {
    const content = message.content.filter((part) => part.type !== 'text' || part.text !== '');
    if (content.length === 0) continue;
    const role = roleOf(message.role);
    const last = turns.at(-1);
    if (last && last.role === role) last.content.push(...content);
    else turns.push({ role, content: [...content] });
  }
  return turns;
}
