import { describe, expect, it } from 'vitest';
import { classify, endpointAlive, isRedirect } from '../../../src/routing/classify.js';
import { httpCode, isUpstreamCode, UPSTREAM_FAILURE_CODES, type UpstreamCode } from '../../../src/shared/upstream-code.js';
import { errorCode } from '../../../src/http/upstream/error-code.js';

const response = (status: number) => classify({ kind: 'response', status, headers: {} }, 0);

describe('classify: the one set of status rules', () => {
  it('judges an endpoint for health probes: alive on 2xx/3xx, dead on 5xx/408 and failures, else inconclusive', () => {
    expect([200, 204, 301].map((s) => endpointAlive(response(s)))).toEqual([true, true, true]);
    expect([500, 503, 408].map((s) => endpointAlive(response(s)))).toEqual([false, false, false]);
    expect([400, 401, 403, 404, 429].map((s) => endpointAlive(response(s)))).toEqual([null, null, null, null, null]);
    expect(endpointAlive(classify({ kind: 'failed', code: 'connect_refused' }, 0))).toBe(false);
    expect(endpointAlive(classify({ kind: 'failed', code: 'client_cancelled' }, 0))).toBeNull();
  });

  it("calls a credential with nothing to present (an OAuth one without an access token) the credential's failure, not the endpoint's", () => {
    const outcome = classify({ kind: 'failed', code: 'no_secret' }, 0);
    expect(outcome).toEqual({ kind: 'auth_failed', code: 'no_secret' });
    expect(endpointAlive(outcome)).toBeNull();
  });

  it('names 3xx as redirects and nothing else', () => {
    expect([299, 300, 302, 399, 400].map(isRedirect)).toEqual([false, true, true, true, false]);
  });
});

describe('UpstreamCode', () => {
  it('knows its failure codes and http_<status>, and nothing else', () => {
    for (const code of UPSTREAM_FAILURE_CODES) expect(isUpstreamCode(code)).toBe(true);
    expect(isUpstreamCode(httpCode(503))).toBe(true);
    expect(isUpstreamCode('connect_timeout')).toBe(false);
    expect(isUpstreamCode('http_')).toBe(false);
    // A typo is a type error (tsc checks this line): the reset code is `connection_reset`.
    // @ts-expect-error not an UpstreamCode
    const typo: UpstreamCode = 'conection_reset';
    expect(isUpstreamCode(typo)).toBe(false);
  });

  it('maps socket errors onto it, and any unknown error code to upstream_error', () => {
    const error = (code: string) => Object.assign(new Error('x'), { code });
    expect(errorCode(error('ECONNREFUSED'))).toBe('connect_refused');
    expect(errorCode(error('UND_ERR_SOCKET'))).toBe('connection_reset');
    expect(errorCode(error('UND_ERR_SOMETHING_NEW'))).toBe('upstream_error');
  });
});
