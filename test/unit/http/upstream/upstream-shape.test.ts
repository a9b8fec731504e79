import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../src/config/load.js';
import { upstreamShape, upstreamTarget } from '../../../../src/http/upstream/upstream-shape.js';

function shapeOf(backend: Record<string, unknown>) {
  return upstreamShape(parseConfig({ backends: [{ id: 'b', credentials: [{ apiKey: 'sk-b-secret-0001' }], ...backend }] }).backends[0]!);
}

describe('the upstream shape of a backend', () => {
  it('appends the path to the BaseURL’s path, without a doubled slash', () => {
    const shape = shapeOf({ baseUrls: ['https://up.example/v1/', 'https://other.example'] });
    expect(upstreamTarget(shape, 0, '/chat/completions', 'm')).toBe('/v1/chat/completions');
    expect(upstreamTarget(shape, 1, '/chat/completions', 'm')).toBe('/chat/completions');
    expect(shape.bases[1]!.url.origin).toBe('https://other.example');
  });

  it('fills {model} with the request’s model, URL-encoded, and adds the query after any the path has', () => {
    const shape = shapeOf({ baseUrls: ['https://r.example/openai/deployments/{model}'], query: { 'api-version': '2024-10-21', 'x/y': 'a&b c' } });
    expect(upstreamTarget(shape, 0, '/chat/completions', 'gpt 4o/mini')).toBe(
      '/openai/deployments/gpt%204o%2Fmini/chat/completions?api-version=2024-10-21&x%2Fy=a%26b%20c',
    );
    expect(upstreamTarget(shape, 0, '/models/g:streamGenerateContent?alt=sse', 'm')).toBe(
      '/openai/deployments/m/models/g:streamGenerateContent?alt=sse&api-version=2024-10-21&x%2Fy=a%26b%20c',
    );
  });

  it('takes the kind’s auth unless the backend names its own, and none for a keyless backend', () => {
    expect(shapeOf({ baseUrls: ['https://up.example/v1'] }).auth).toEqual({ header: 'authorization', prefix: 'Bearer ' });
    expect(shapeOf({ kind: 'gemini', baseUrls: ['https://up.example/v1beta'] }).auth).toEqual({ header: 'x-goog-api-key', prefix: '' });
    expect(shapeOf({ baseUrls: ['https://up.example/v1'], auth: { header: 'api-key' } }).auth).toEqual({ header: 'api-key', prefix: '' });
    expect(shapeOf({ baseUrls: ['http://127.0.0.1:1/v1'], auth: 'none', credentials: [] }).auth).toBeNull();
  });

  it('holds the extra headers by their lower-case names', () => {
    expect(shapeOf({ baseUrls: ['https://up.example/v1'], headers: { 'HTTP-Referer': 'https://app.example', 'X-Title': 'app' } }).headers).toEqual({
      'http-referer': 'https://app.example',
      'x-title': 'app',
    });
  });
});
