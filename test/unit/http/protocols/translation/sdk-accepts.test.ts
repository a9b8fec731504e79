import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProtocolName } from '../../../../../src/http/protocols/neutral/types.js';
import { createStreamTranslator, translateResponse } from '../../../../../src/http/protocols/neutral/translate.js';
import { FIXTURES, type Fixture } from './golden.js';

/**
 * The real SDKs read what the stream translators write: a node:http server on 127.0.0.1 answers
 * each SDK with a fixture's upstream stream translated into that SDK's protocol.
 */
const upstream = (name: string): string[] => (JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Fixture).input as string[];
const OPENAI_SSE = upstream('sse-anthropic-openai-tool-deltas');
const ANTHROPIC_SSE = upstream('sse-openai-anthropic-usage-split');

function translated(client: ProtocolName, target: ProtocolName, chunks: string[]): Buffer {
  const t = createStreamTranslator({ from: client, to: target, model: 'm', stream: true, includeUsage: true, toolNames: {} });
  return Buffer.concat([...chunks.flatMap((c) => t.push(Buffer.from(c))), ...t.end()]);
}

let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = req.url ?? '';
      if (url.includes(':generateContent')) {
        const body = {
          id: 'msg_j',
          type: 'message',
          role: 'assistant',
          model: 'claude',
          content: [{ type: 'text', text: 'Hi there' }],
          stop_reason: 'end_turn',
          usage: { input_tokens: 4, output_tokens: 2 },
        };
        const json = translateResponse({ from: 'gemini', to: 'anthropic', model: 'm', stream: false, includeUsage: true, toolNames: {} }, body);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(json));
        return;
      }
      const bytes = url.includes('/messages')
        ? translated('anthropic', 'openai', OPENAI_SSE)
        : url.includes('/chat/completions')
          ? translated('openai', 'anthropic', ANTHROPIC_SSE)
          : translated('gemini', 'anthropic', ANTHROPIC_SSE);
      res.writeHead(200, { 'content-type': 'text/event-stream' }).end(bytes);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('real SDKs accept translated streams', () => {
  it('@anthropic-ai/sdk assembles a message from an OpenAI upstream stream', async () => {
    const client = new Anthropic({ apiKey: 'k', baseURL: base, maxRetries: 0 });
    const message = await client.messages.stream({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'call_a', name: 'weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_b', name: 'weather', input: { city: 'Rome' } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({ input_tokens: 10, output_tokens: 12, cache_read_input_tokens: 20 });
  });

  it('openai SDK reads an Anthropic upstream stream, tool call and usage included', async () => {
    const client = new OpenAI({ apiKey: 'k', baseURL: `${base}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let args = '';
    let finish: string | null = null;
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect({ text, args: JSON.parse(args) as unknown, finish }).toEqual({ text: 'Checking.', args: { city: 'Paris' }, finish: 'tool_calls' });
    expect(usage).toMatchObject({ prompt_tokens: 112, completion_tokens: 42, prompt_tokens_details: { cached_tokens: 100 } });
  });

  it('@google/genai reads an Anthropic upstream stream and a translated JSON answer', async () => {
    const client = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: base } });
    let text = '';
    const calls: unknown[] = [];
    let finish: string | undefined;
    for await (const chunk of await client.models.generateContentStream({ model: 'm', contents: 'hi' })) {
      text += chunk.text ?? '';
      calls.push(...(chunk.functionCalls ?? []));
      finish = chunk.candidates?.[0]?.finishReason ?? finish;
    }
    expect(text).toBe('Checking.');
    expect(calls).toEqual([{ id: 'toolu_s', name: 'weather', args: { city: 'Paris' } }]);
    expect(finish).toBe('STOP');
    const json = await client.models.generateContent({ model: 'm', contents: 'hi' });
    expect(json.text).toBe('Hi there');
    expect(json.usageMetadata?.promptTokenCount).toBe(4);
  });
});
