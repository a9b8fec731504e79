import { describe, expect, it } from 'vitest';
import { cleanGeminiSchema, geminiSchemaToJsonSchema } from '../../../../../src/http/protocols/neutral/gemini-schema.js';
import { SseParser } from '../../../../../src/http/protocols/neutral/sse.js';
import {
  finishFromAnthropic,
  finishFromGemini,
  finishFromOpenAi,
  finishToAnthropic,
  finishToGemini,
  finishToOpenAi,
} from '../../../../../src/http/protocols/neutral/stop-reasons.js';
import { restoreToolName, shortenToolName } from '../../../../../src/http/protocols/neutral/tool-names.js';
import {
  usageFromAnthropic,
  usageFromGemini,
  usageFromOpenAi,
  usageToAnthropic,
  usageToGemini,
  usageToOpenAi,
} from '../../../../../src/http/protocols/neutral/usage.js';

describe('stop reasons', () => {
  it('maps each protocol into one table and back', () => {
    expect([finishFromAnthropic('end_turn'), finishFromGemini('STOP', false), finishFromOpenAi('stop')]).toEqual(['stop', 'stop', 'stop']);
    expect([finishFromAnthropic('max_tokens'), finishFromGemini('MAX_TOKENS', false), finishFromOpenAi('length')]).toEqual([
      'length',
      'length',
      'length',
    ]);
    expect([finishFromAnthropic('tool_use'), finishFromGemini('STOP', true), finishFromOpenAi('tool_calls')]).toEqual([
      'tool_calls',
      'tool_calls',
      'tool_calls',
    ]);
    expect([finishFromAnthropic('refusal'), finishFromGemini('SAFETY', false), finishFromOpenAi('content_filter')]).toEqual([
      'content_filter',
      'content_filter',
      'content_filter',
    ]);
    expect([finishToAnthropic('tool_calls'), finishToGemini('length'), finishToOpenAi('content_filter')]).toEqual([
      'tool_use',
      'MAX_TOKENS',
      'content_filter',
    ]);
    expect(finishToAnthropic('stop', 'END')).toBe('stop_sequence');
  });
});

describe('usage with cache semantics', () => {
  it('counts Anthropic cache reads and writes into the prompt total and takes them out again', () => {
    const usage = usageFromAnthropic({ input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 5, output_tokens: 7 });
    expect(usage).toEqual({ inputTokens: 115, outputTokens: 7, cacheReadTokens: 100, cacheWriteTokens: 5 });
    expect(usageToOpenAi(usage!)).toEqual({
      prompt_tokens: 115,
      completion_tokens: 7,
      total_tokens: 122,
      prompt_tokens_details: { cached_tokens: 100 },
    });
    expect(usageToAnthropic(usageFromOpenAi({ prompt_tokens: 115, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 100 } })!)).toEqual({
      input_tokens: 15,
      output_tokens: 7,
      cache_read_input_tokens: 100,
    });
  });

  it('adds Gemini thoughts to output tokens and keeps cached content in the prompt count', () => {
    const usage = usageFromGemini({ promptTokenCount: 50, candidatesTokenCount: 10, thoughtsTokenCount: 20, cachedContentTokenCount: 30 });
    expect(usage).toEqual({ inputTokens: 50, outputTokens: 30, cacheReadTokens: 30, reasoningTokens: 20 });
    expect(usageToGemini(usage!)).toEqual({
      promptTokenCount: 50,
      candidatesTokenCount: 10,
      totalTokenCount: 80,
      cachedContentTokenCount: 30,
      thoughtsTokenCount: 20,
    });
  });
});

describe('Gemini schema cleaning', () => {
  it('inlines $ref, survives a cycle and leaves the input untouched', () => {
    const schema = {
      type: 'object',
      $defs: { Node: { type: 'object', properties: { next: { $ref: '#/$defs/Node' }, v: { type: 'string', const: 'x' } } } },
      properties: { root: { $ref: '#/$defs/Node' } },
    };
    const copy = structuredClone(schema);
    const cleaned = cleanGeminiSchema(schema);
    expect(schema).toEqual(copy);
    expect(cleaned).toEqual({
      type: 'object',
      properties: { root: { type: 'object', properties: { next: { type: 'object' }, v: { type: 'string', enum: ['x'] } } } },
    });
    expect(JSON.stringify(cleaned)).not.toMatch(/\$ref|\$defs|const/);
  });

  it('turns a Gemini Schema into JSON Schema for the other protocols', () => {
    expect(geminiSchemaToJsonSchema({ type: 'OBJECT', properties: { a: { type: 'STRING', nullable: true } }, propertyOrdering: ['a'] })).toEqual({
      type: 'object',
      properties: { a: { type: ['string', 'null'] } },
    });
  });
});

describe('tool names', () => {
  it('shortens names over 64 characters deterministically and restores them', () => {
    const map = {};
    const long = 'x'.repeat(80);
    const short = shortenToolName(long, map);
    expect(short).toHaveLength(64);
    expect(shortenToolName(long, {})).toBe(short);
    expect(shortenToolName('y'.repeat(80), {})).not.toBe(short);
    expect(restoreToolName(short, map)).toBe(long);
    expect(shortenToolName('short', map)).toBe('short');
  });
});

describe('SseParser', () => {
  it('frames events across arbitrary splits, CRLF, comments and a split multi-byte character', () => {
    const text = ': keepalive\r\nevent: a\r\ndata: {"t":"é"}\r\n\r\ndata: line1\ndata: line2\n\ndata: tail';
    const bytes = Buffer.from(text);
    const parser = new SseParser();
    const events = [];
    for (let i = 0; i < bytes.length; i += 3) events.push(...parser.push(bytes.subarray(i, i + 3)));
    events.push(...parser.end());
    expect(events).toEqual([{ event: 'a', data: '{"t":"é"}' }, { data: 'line1\nline2' }, { data: 'tail' }]);
  });
});
