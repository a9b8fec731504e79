import { describe, expect, it } from 'vitest';
import { upstreamErrorKind } from '../../../../src/http/protocols/context-errors.js';

/** The per-protocol recognisers of context-length and content-policy error bodies. */
describe('upstream error recognisers', () => {
  const json = (value: unknown) => JSON.stringify(value);

  it.each([
    [
      'OpenAI code',
      json({
        error: { code: 'context_length_exceeded', message: "This model's maximum context length is 128000 tokens.", type: 'invalid_request_error' },
      }),
    ],
    [
      'Responses API',
      json({
        error: {
          type: 'invalid_request_error',
          code: 'context_length_exceeded',
          message: 'Your input exceeds the context window of this model.',
          param: 'input',
        },
      }),
    ],
    [
      'vLLM / DeepSeek message',
      json({
        error: {
          message: "This model's maximum context length is 131072 tokens. However, you requested 131134 tokens",
          type: 'invalid_request_error',
          code: 'invalid_request_error',
        },
      }),
    ],
    [
      'llama.cpp type',
      json({
        error: { code: 400, message: 'request (4390 tokens) exceeds the available context size (4096 tokens)', type: 'exceed_context_size_error' },
      }),
    ],
  ])('openai: %s is a context error', (_name, body) => {
    expect(upstreamErrorKind('openai', 400, body)).toBe('context_length');
  });

  it.each([
    [
      'content_policy_violation',
      json({ error: { code: 'content_policy_violation', message: 'rejected by our safety system', type: 'invalid_request_error' } }),
    ],
    [
      'Azure content_filter, even mentioning the context',
      json({ error: { code: 'content_filter', message: 'maximum context length', innererror: { code: 'ResponsibleAIPolicyViolation' } } }),
    ],
  ])('openai: %s is a content-policy rejection', (_name, body) => {
    expect(upstreamErrorKind('openai', 400, body)).toBe('content_policy');
  });

  it('openai: other 4xx bodies, 5xx and non-JSON are neither', () => {
    expect(upstreamErrorKind('openai', 400, json({ error: { code: 'invalid_value', message: 'temperature too high' } }))).toBeNull();
    expect(upstreamErrorKind('openai', 500, json({ error: { code: 'context_length_exceeded' } }))).toBeNull();
    expect(upstreamErrorKind('openai', 400, 'maximum context length')).toBeNull();
  });

  const anthropic = (message: string, type = 'invalid_request_error') => json({ type: 'error', error: { type, message } });

  it('anthropic: prompt too long and input + max_tokens over the limit are context errors', () => {
    expect(upstreamErrorKind('anthropic', 400, anthropic('prompt is too long: 250000 tokens > 200000 maximum'))).toBe('context_length');
    expect(upstreamErrorKind('anthropic', 400, anthropic('input length and `max_tokens` exceed context limit: 188240 + 21333 > 200000'))).toBe(
      'context_length',
    );
  });

  it('anthropic: content filtering is a content-policy rejection; other errors, 413 and other types are neither', () => {
    expect(upstreamErrorKind('anthropic', 400, anthropic('Output blocked by content filtering policy'))).toBe('content_policy');
    expect(upstreamErrorKind('anthropic', 400, anthropic('max_tokens: 10000 > 4096, which is the maximum allowed'))).toBeNull();
    expect(upstreamErrorKind('anthropic', 413, anthropic('Request exceeds the maximum allowed number of bytes.', 'request_too_large'))).toBeNull();
    expect(upstreamErrorKind('anthropic', 400, anthropic('prompt is too long', 'api_error'))).toBeNull();
  });

  it('gemini: the input token count over the maximum is a context error, also in an array body', () => {
    const error = {
      code: 400,
      message: 'The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).',
      status: 'INVALID_ARGUMENT',
    };
    expect(upstreamErrorKind('gemini', 400, json({ error }))).toBe('context_length');
    expect(upstreamErrorKind('gemini', 400, json([{ error }]))).toBe('context_length');
    expect(upstreamErrorKind('gemini', 400, json({ error: { ...error, status: 'FAILED_PRECONDITION' } }))).toBeNull();
    expect(upstreamErrorKind('gemini', 400, json({ error: { ...error, message: 'API key not valid' } }))).toBeNull();
  });
});
