import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../src/config/load.js';
import { recoveryProbeRequest } from '../../../../src/http/upstream/probe-request.js';

function backend(kind: string, recovery: object) {
  return parseConfig({ backends: [{ id: 'b', kind, baseUrls: ['http://127.0.0.1:1/v1'], credentials: [{ apiKey: 'sk' }], recovery }] }).backends[0]!;
}

const body = (request: ReturnType<typeof recoveryProbeRequest>) => JSON.parse(request.body!.toString('utf8')) as unknown;

describe('recoveryProbeRequest', () => {
  it('lists models by default, for every kind', () => {
    for (const kind of ['openai', 'anthropic', 'gemini']) {
      expect(recoveryProbeRequest(backend(kind, {}))).toEqual({ method: 'GET', path: '/models', body: null });
    }
  });

  it('GETs a configured path', () => {
    expect(recoveryProbeRequest(backend('openai', { probe: { path: '/health' } }))).toEqual({ method: 'GET', path: '/health', body: null });
  });

  it('asks each kind for a tiny completion in its own shape', () => {
    const openai = recoveryProbeRequest(backend('openai', { probe: { model: 'gpt-x' } }));
    expect(openai.path).toBe('/chat/completions');
    expect(body(openai)).toEqual({ model: 'gpt-x', messages: [{ role: 'user', content: 'ping' }], max_tokens: 16 });
    const anthropic = recoveryProbeRequest(backend('anthropic', { probe: { model: 'claude-x', maxTokens: 8 } }));
    expect(anthropic.path).toBe('/messages');
    expect(body(anthropic)).toEqual({ model: 'claude-x', max_tokens: 8, messages: [{ role: 'user', content: 'ping' }] });
    const gemini = recoveryProbeRequest(backend('gemini', { probe: { model: 'models/gemini-x' } }));
    expect(gemini.path).toBe('/models/gemini-x:generateContent');
    expect(body(gemini)).toEqual({ contents: [{ role: 'user', parts: [{ text: 'ping' }] }], generationConfig: { maxOutputTokens: 16 } });
  });

  it('sends a configured body instead (a reasoning model with its own token field)', () => {
    const request = recoveryProbeRequest(
      backend('openai', {
        probe: { model: 'o-mini', body: { messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 256, reasoning_effort: 'low' } },
      }),
    );
    expect(request.method).toBe('POST');
    expect(body(request)).toEqual({
      model: 'o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      max_completion_tokens: 256,
      reasoning_effort: 'low',
    });
  });

  it('refuses unknown probe keys at boot', () => {
    expect(() => backend('openai', { probe: { model: 'm', max_tokens: 1 } })).toThrow(/recovery/);
  });
});
