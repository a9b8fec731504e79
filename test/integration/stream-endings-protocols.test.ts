import { afterEach, describe, expect, it, vi } from 'vitest';
import { call } from '../helpers/raw-http.js';
import { testRig } from '../helpers/rig.js';
import type { TestGateway } from '../helpers/gateway.js';
import type { Behavior } from '../helpers/upstream.js';

/** Issue 13 item 2 on the Anthropic and Gemini paths: a finish reason and a clean end are a complete stream. */
describe('stream endings of anthropic and gemini upstreams', () => {
  const { upstream, gateway, cleanup } = testRig();
  afterEach(cleanup);

  const portOf = (url: string) => Number(new URL(url).port);
  const key = [{ id: 'a-k', apiKey: 'sk-a-secret' }];

  async function anthropicGateway(behavior: Behavior) {
    const up = await upstream('claude');
    up.script = () => behavior;
    // Stream resume off: these tests are about how a stream's end is judged (stream-resume-*.test.ts cover resume).
    const { gw } = await gateway({
      streams: { resume: false },
      backends: [{ id: 'a', kind: 'anthropic', models: ['claude-test'], baseUrls: [`${up.origin}/v1`], credentials: key }],
    });
    const body = { model: 'claude-test', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] };
    const reply = await call(portOf(gw.url), { path: '/v1/messages', headers: { 'x-api-key': 'client-key' }, body });
    return { gw, reply };
  }

  async function geminiGateway(behavior: Behavior) {
    const up = await upstream('gem');
    up.script = () => behavior;
    const { gw } = await gateway({
      streams: { resume: false },
      backends: [{ id: 'a', kind: 'gemini', models: ['gemini-test'], baseUrls: [`${up.origin}/v1beta`], credentials: key }],
    });
    const body = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };
    const path = '/v1beta/models/gemini-test:streamGenerateContent?alt=sse';
    const reply = await call(portOf(gw.url), { path, headers: { 'x-goog-api-key': 'client-key' }, body });
    return { gw, reply };
  }

  async function requestLine(gw: TestGateway) {
    return vi.waitFor(() => {
      const found = gw.logs.find((entry) => entry.msg === 'request');
      expect(found).toBeDefined();
      return found!;
    });
  }

  it('anthropic: a message_delta with stop_reason and a clean end gets message_stop, a success', async () => {
    const { gw, reply } = await anthropicGateway({ kind: 'stream', chunks: 3, withoutTerminal: true });
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('"stop_reason":"end_turn"');
    expect(reply.text).not.toContain('event: error');
    expect(reply.text.trimEnd().endsWith('event: message_stop\ndata: {"type":"message_stop"}')).toBe(true);
    expect(reply.text.match(/event: message_stop/g)).toHaveLength(1);
    expect(gw.gateway.actors.view('baseurl:a:0').context.health.lastErrors).toEqual([]);
    expect(await requestLine(gw)).toMatchObject({ outcome: 'success' });
  });

  it('anthropic: a stream that ends cleanly before any stop_reason is truncated, and logged broken', async () => {
    const start = { type: 'message_start', message: { id: 'm', type: 'message', role: 'assistant', content: [], stop_reason: null } };
    const delta = { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'a' } };
    const text = `event: message_start\ndata: ${JSON.stringify(start)}\n\nevent: content_block_delta\ndata: ${JSON.stringify(delta)}\n\n`;
    const { gw, reply } = await anthropicGateway({ kind: 'raw', text });
    expect(reply.text).toContain('event: error');
    expect(reply.text).not.toContain('message_stop');
    expect(gw.gateway.actors.view('baseurl:a:0').context.health.lastErrors).toEqual(['stream_truncated']);
    const line = await requestLine(gw);
    expect(line).toMatchObject({ status: 200, outcome: 'broken_stream' });
    expect((line as unknown as { attempts: { outcome: string }[] }).attempts.at(-1)?.outcome).toBe('stream_truncated');
  });

  it('gemini: a chunk with finishReason and a clean end is complete, nothing appended', async () => {
    const { gw, reply } = await geminiGateway({ kind: 'stream', chunks: 3 });
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('"finishReason":"STOP"');
    expect(reply.text).not.toContain('"error"');
    expect(reply.text.trimEnd().endsWith('}')).toBe(true);
    expect(gw.gateway.actors.view('baseurl:a:0').context.health.lastErrors).toEqual([]);
    expect(await requestLine(gw)).toMatchObject({ outcome: 'success' });
  });

  it('gemini: a clean end without any finishReason is truncated', async () => {
    const chunk = { candidates: [{ content: { parts: [{ text: 'a' }], role: 'model' }, index: 0 }] };
    const { gw, reply } = await geminiGateway({ kind: 'raw', text: `data: ${JSON.stringify(chunk)}\r\n\r\n` });
    expect(reply.text).toContain('"error"');
    expect(gw.gateway.actors.view('baseurl:a:0').context.health.lastErrors).toEqual(['stream_truncated']);
    expect(await requestLine(gw)).toMatchObject({ outcome: 'broken_stream' });
  });
});
