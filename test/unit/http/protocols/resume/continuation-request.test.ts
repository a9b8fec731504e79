import { describe, expect, it } from 'vitest';
import { CONTINUE_INSTRUCTION, continuationRequest } from '../../../../../src/http/protocols/neutral/continuation-request.js';
import { CODECS } from '../../../../../src/http/protocols/neutral/translate.js';
import type { NeutralRequest } from '../../../../../src/http/protocols/neutral/types.js';

describe('continuationRequest (the neutral request that continues a broken answer)', () => {
  const request: NeutralRequest = {
    model: 'm',
    system: ['be brief'],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'the fox?' }] }],
    tools: [],
    maxTokens: 100,
    stream: false,
  };

  it('prefill: the partial, without trailing whitespace, as the last assistant message; everything else kept', () => {
    const out = continuationRequest(request, 'The quick brown ', 'prefill');
    expect(out.messages).toEqual([...request.messages, { role: 'assistant', content: [{ type: 'text', text: 'The quick brown' }] }]);
    expect(out).toMatchObject({ model: 'm', system: ['be brief'], maxTokens: 100, stream: true });
    expect(request.messages).toHaveLength(1);
  });

  it('instruction: the partial as it was, then a user message asking to continue', () => {
    const out = continuationRequest(request, 'The quick brown ', 'instruction');
    expect(out.messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'text', text: 'The quick brown ' }] },
      { role: 'user', content: [{ type: 'text', text: CONTINUE_INSTRUCTION }] },
    ]);
  });

  it('with no text yet (or only whitespace for a prefill), asks the client’s question again', () => {
    expect(continuationRequest(request, '', 'prefill').messages).toEqual(request.messages);
    expect(continuationRequest(request, '  ', 'prefill').messages).toEqual(request.messages);
    expect(continuationRequest(request, '', 'instruction').messages).toEqual(request.messages);
  });

  it('encodes for every backend kind: an Anthropic prefill ends the messages, a Gemini one is a model turn', () => {
    const out = continuationRequest(request, 'The quick', 'prefill');
    const anthropic = CODECS.anthropic.encodeRequest(out, { toolNames: {}, defaultMaxTokens: 50 }).body;
    expect((anthropic.messages as { role: string }[]).map((m) => m.role)).toEqual(['user', 'assistant']);
    const gemini = CODECS.gemini.encodeRequest(out, { toolNames: {} }).body;
    expect((gemini.contents as { role: string }[]).map((m) => m.role)).toEqual(['user', 'model']);
    const openai = CODECS.openai.encodeRequest(out, { toolNames: {} }).body;
    expect((openai.messages as { role: string; content: unknown }[]).at(-1)).toMatchObject({ role: 'assistant' });
    expect(openai.stream).toBe(true);
  });
});
