import { describe, expect, it } from 'vitest';
import { FuseboxError } from '../../../../src/shared/errors.js';
import { protocolSpec } from '../../../../src/http/protocols/registry.js';

const errorBody = (protocol: string, error: FuseboxError) => protocolSpec(protocol).errorBody(error);
const inBandErrorEvent = (protocol: string, error: FuseboxError) => protocolSpec(protocol).inBandError(error);

describe('error bodies per protocol', () => {
  const notFound = new FuseboxError('model_not_found', 'no such model');
  const failed = new FuseboxError('upstream_failed', 'it broke');

  it('renders OpenAI, Anthropic and Gemini error shapes', () => {
    expect(JSON.parse(errorBody('openai', notFound).toString())).toEqual({
      error: { message: 'no such model', type: 'invalid_request_error', code: 'model_not_found' },
    });
    expect(JSON.parse(errorBody('anthropic', notFound).toString())).toEqual({
      type: 'error',
      error: { type: 'not_found_error', message: 'no such model' },
    });
    expect(JSON.parse(errorBody('gemini', notFound).toString())).toEqual({ error: { code: 404, message: 'no such model', status: 'NOT_FOUND' } });
    expect((JSON.parse(errorBody('anthropic', new FuseboxError('overloaded', 'busy')).toString()) as { error: { type: string } }).error.type).toBe(
      'overloaded_error',
    );
  });

  it('frames in-band errors as each protocol streams them', () => {
    expect(inBandErrorEvent('openai', failed).toString()).toMatch(/^data: \{"error":\{.*\}\}\n\n$/);
    expect(inBandErrorEvent('anthropic', failed).toString()).toMatch(
      /^event: error\ndata: \{"type":"error","error":\{"type":"api_error",.*\}\}\n\n$/,
    );
    expect(inBandErrorEvent('gemini', failed).toString()).toMatch(/^data: \{"error":\{"code":502,.*"status":"INTERNAL"\}\}\n\n$/);
  });
});
