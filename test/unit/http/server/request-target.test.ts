import { describe, expect, it } from 'vitest';
import { requestTarget } from '../../../../src/http/server/request-target.js';

const viaUrl = (target: string) => new URL(target, 'http://fusebox.local');
/** What the front door reads of a target, or that the URL parser refuses it. */
function parts(read: () => { pathname: string; searchParams: URLSearchParams }) {
  try {
    const t = read();
    return { pathname: t.pathname, query: [...t.searchParams] };
  } catch (error) {
    return { refused: (error as Error).message };
  }
}

describe('requestTarget', () => {
  const targets = [
    '/v1/chat/completions',
    '/v1beta/models/gemini-1.5-pro:streamGenerateContent?alt=sse',
    '/v1beta/models/gemini-1.5-pro:generateContent?key=abc&alt=json',
    '/v1/messages?',
    '/v1/../admin/state',
    '/v1/./chat/completions',
    '/v1/chat/completions/..',
    '//evil.example/v1/chat/completions',
    '/v1/%2e%2e/admin',
    '/v1/chat%2Fcompletions',
    '/v1\\chat',
    '/v1/chat completions',
    "/v1/it's?q='x'",
    '/v1/models?a=%20b&c=d+e',
    '/v1/models?x=<y>',
    '/v1/models#frag',
    '/healthz',
    '/',
    '',
    '*',
    'http://other.example/v1/chat/completions',
  ];
  it.each(targets)('reads %j as the URL parser does', (target) => {
    expect(parts(() => requestTarget(target))).toEqual(parts(() => viaUrl(target)));
  });

  it('agrees with the URL parser on random targets', () => {
    const alphabet = '/abz09.-_~!$&\'()*+,;=:@?%#\\ <>"`{}|^2eE';
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 5000; i++) {
      let target = '/';
      const length = Math.floor(next() * 16);
      for (let j = 0; j < length; j++) target += alphabet.charAt(Math.floor(next() * alphabet.length));
      expect(
        parts(() => requestTarget(target)),
        target,
      ).toEqual(parts(() => viaUrl(target)));
    }
  });
});
