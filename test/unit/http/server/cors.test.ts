import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createCorsPolicy } from '../../../../src/http/server/cors.js';

const request = (method: string, headers: Record<string, string>) => ({ method, headers }) as unknown as IncomingMessage;

describe('CORS', () => {
  const cors = createCorsPolicy(['http://localhost:3000']);

  it('passes requests without an Origin untouched', () => {
    expect(cors(request('POST', {}))).toEqual({ kind: 'pass', headers: {} });
  });

  it('grants a configured origin by name, never *', () => {
    const decision = cors(request('POST', { origin: 'http://localhost:3000' }));
    expect(decision).toMatchObject({ kind: 'pass', headers: { 'access-control-allow-origin': 'http://localhost:3000', vary: 'Origin' } });
    expect(JSON.stringify(decision)).not.toContain('"*"');
    expect(JSON.stringify(decision)).not.toContain('allow-credentials');
  });

  it('answers a configured preflight with methods, the requested headers and private-network consent', () => {
    const decision = cors(
      request('OPTIONS', {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
        'access-control-request-private-network': 'true',
      }),
    );
    expect(decision).toMatchObject({
      kind: 'preflight',
      headers: {
        'access-control-allow-origin': 'http://localhost:3000',
        'access-control-allow-headers': 'authorization, content-type',
        'access-control-allow-private-network': 'true',
      },
    });
  });

  it('refuses any other origin, including null, for requests and preflights', () => {
    for (const origin of ['http://evil.example', 'null', 'http://localhost:3001']) {
      expect(cors(request('POST', { origin, host: '127.0.0.1:8765' })).kind).toBe('refused');
      expect(cors(request('OPTIONS', { origin, 'access-control-request-method': 'POST' })).kind).toBe('refused');
    }
  });

  it('lets same-origin requests through (the Host was checked before)', () => {
    expect(cors(request('POST', { origin: 'http://127.0.0.1:8765', host: '127.0.0.1:8765' }))).toEqual({ kind: 'pass', headers: {} });
  });
});
