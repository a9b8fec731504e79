import { describe, expect, it } from 'vitest';
import { clientResponseHeaders } from '../../../../src/http/protocols/headers.js';

describe("an upstream's response headers as the client sees them", () => {
  it('drops hop-by-hop headers, content-length and set-cookie, and joins repeated values', () => {
    const seen = clientResponseHeaders({
      'content-type': 'application/json',
      'content-length': '12',
      connection: 'keep-alive',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'set-cookie': ['a=1', 'b=2'],
      vary: ['origin', 'accept'],
      'x-absent': undefined,
    });
    expect(seen).toEqual({ 'content-type': 'application/json', vary: 'origin, accept' });
  });

  it('drops the headers a Connection header names, in any case and spacing', () => {
    const seen = clientResponseHeaders({ connection: ' Keep-Alive, X-Hop ,x-other', 'x-hop': '1', 'x-other': '2', 'x-kept': '3' });
    expect(seen).toEqual({ 'x-kept': '3' });
    expect(clientResponseHeaders({ connection: ['close', 'x-hop'], 'x-hop': '1', 'x-kept': '3' })).toEqual({ 'x-kept': '3' });
  });

  it('keeps every other header when Connection is a plain keep-alive or close', () => {
    expect(clientResponseHeaders({ connection: 'Close', 'x-kept': '3', close: 'named' })).toEqual({ 'x-kept': '3' });
    expect(clientResponseHeaders({ connection: 'keep-alive', 'x-kept': '3', close: 'not named' })).toEqual({ 'x-kept': '3', close: 'not named' });
  });
});
