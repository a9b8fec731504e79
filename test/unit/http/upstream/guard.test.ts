import { describe, expect, it } from 'vitest';
import { guardUpstream, MAX_ERROR_BODY } from '../../../../src/http/upstream/guard.js';
import type { Attempt, Transport, UpstreamBody, UpstreamReply } from '../../../../src/routing/types.js';
import { createScrubber } from '../../../../src/shared/secret-scrub.js';

const SECRET = 'sk-upstream-secret-0123456789';

function bodyOf(...chunks: string[]): UpstreamBody & { cancelled: string | null } {
  const queue = chunks.map((c) => Buffer.from(c));
  return {
    cancelled: null,
    next() {
      return Promise.resolve(queue.shift() ?? null);
    },
    async pipe(write) {
      for (let chunk = queue.shift(); chunk; chunk = queue.shift()) await write(chunk);
    },
    cancel(reason) {
      this.cancelled = reason;
    },
  };
}

function replying(status: number, headers: Record<string, string>, body: UpstreamBody): Transport {
  return { send: () => Promise.resolve({ kind: 'response', status, headers, body, headersAfterMs: 1 }) };
}

const attempt = (protocol: 'openai' | 'anthropic' = 'openai') =>
  ({ job: { id: 'req-1', protocol }, backend: { id: 'b' }, baseUrlIndex: 0, credentialId: 'c' }) as unknown as Attempt;

const guard = (inner: Transport) =>
  guardUpstream(inner, { scrubber: createScrubber([SECRET]), baseUrls: ['http://gpu-box.internal.example:8080/v1'] });

async function text(reply: UpstreamReply): Promise<string> {
  if (reply.kind !== 'response') throw new Error('expected a response');
  const chunks: Buffer[] = [];
  for (let c = await reply.body.next(); c !== null; c = await reply.body.next()) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

describe('upstream guard', () => {
  it('passes a harmless client error through unchanged', async () => {
    const body = '{"error":{"message":"max_tokens is too large"}}';
    const reply = await guard(replying(400, { 'content-type': 'application/json' }, bodyOf(body))).send(attempt(), new AbortController().signal);
    expect(reply).toMatchObject({ kind: 'response', status: 400 });
    expect(await text(reply)).toBe(body);
  });

  it('withholds client error bodies that carry a secret, a BaseURL host, a private URL, a key-shaped string or a stack', async () => {
    const leaky = [
      `bad key ${SECRET.slice(0, 10)}${SECRET.slice(10)}`,
      'upstream gpu-box.internal.example:8080 refused',
      'see http://192.168.4.20/debug',
      'token sk-proj-abcdefghijklmnopqrstuv leaked',
      'Traceback (most recent call last):\n  File "x.py"',
    ];
    for (const message of leaky) {
      const reply = await guard(replying(422, { 'content-type': 'application/json' }, bodyOf(JSON.stringify({ error: { message } })))).send(
        attempt(),
        new AbortController().signal,
      );
      expect(reply).toMatchObject({ kind: 'response', status: 422 });
      const answer = JSON.parse(await text(reply)) as { error: { code: string } };
      expect(answer.error.code).toBe('upstream_error_withheld');
      expect(JSON.stringify(answer)).not.toContain(message);
    }
  });

  it('renders the withheld error in the client protocol', async () => {
    const reply = await guard(replying(400, {}, bodyOf(SECRET))).send(attempt('anthropic'), new AbortController().signal);
    expect(JSON.parse(await text(reply))).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('withholds bodies it cannot read: compressed, or over the cap', async () => {
    const gz = await guard(replying(400, { 'content-encoding': 'gzip' }, bodyOf('\u001f\u008b...'))).send(attempt(), new AbortController().signal);
    expect(gz.kind === 'response' && 'content-encoding' in gz.headers).toBe(false);
    expect(await text(gz)).toContain('upstream_error_withheld');
    const big = bodyOf('x'.repeat(MAX_ERROR_BODY), 'y');
    const reply = await guard(replying(400, {}, big)).send(attempt(), new AbortController().signal);
    expect(await text(reply)).toContain('upstream_error_withheld');
    expect(big.cancelled).toBe('error_body_too_large');
  });

  it('turns a redirect into a failed attempt and never passes Location on', async () => {
    const body = bodyOf('moved');
    const reply = await guard(replying(302, { location: 'http://10.0.0.1/' }, body)).send(attempt(), new AbortController().signal);
    expect(reply).toMatchObject({ kind: 'failed', code: 'upstream_redirect' });
    expect(body.cancelled).toBe('upstream_redirect');
  });

  it('drops response headers that hold a secret, and Location-like headers, on any status; leaves 2xx and 5xx bodies alone', async () => {
    const headers = { 'x-echo': `Bearer ${SECRET}`, 'content-location': '/internal', 'x-ok': '1' };
    for (const status of [200, 503]) {
      const body = bodyOf('{"anything":"' + 'z'.repeat(10) + '"}');
      const reply = await guard(replying(status, headers, body)).send(attempt(), new AbortController().signal);
      expect(reply).toMatchObject({ kind: 'response', status, headers: { 'x-ok': '1' } });
      expect(reply.kind === 'response' && Object.keys(reply.headers)).toEqual(['x-ok']);
      expect(reply.kind === 'response' && reply.body).toBe(body);
    }
  });

  it('scrubs secrets from failure messages', async () => {
    const inner: Transport = { send: () => Promise.resolve({ kind: 'failed', code: 'connect_refused', message: `boom ${SECRET}`, afterMs: 0 }) };
    expect(await guard(inner).send(attempt(), new AbortController().signal)).toMatchObject({ message: 'boom [redacted]' });
  });
});
