import { describe, expect, it } from 'vitest';
import { FuseboxError } from '../../../../src/shared/errors.js';
import {
  DEFAULT_PROTOCOL,
  PROTOCOL_NAMES,
  allProtocols,
  listingRequest,
  matchRoute,
  ownerOfPath,
  protocolOfPath,
  protocolOfUpstreamPath,
  protocolSpec,
} from '../../../../src/http/protocols/index.js';
import { FirstEventScanner, closingBytes, endsComplete, judgeEnd } from '../../../../src/http/upstream/sse-scan.js';

describe('the protocol registry', () => {
  it('lists each spec under its own name, the default among them', () => {
    expect(PROTOCOL_NAMES).toEqual(['openai', 'anthropic', 'gemini']);
    for (const name of PROTOCOL_NAMES) expect(protocolSpec(name).name).toBe(name);
    expect(allProtocols().map((spec) => spec.name)).toEqual(PROTOCOL_NAMES);
    expect(PROTOCOL_NAMES).toContain(DEFAULT_PROTOCOL);
    expect(() => protocolSpec('cohere')).toThrow(/unknown protocol "cohere"/);
  });

  it('finds a path’s protocol by the longest owning prefix, else the default', () => {
    const of = (path: string) => protocolOfPath(path).name;
    expect(of('/v1beta/models/g:generateContent')).toBe('gemini');
    expect(of('/v1beta')).toBe('gemini');
    expect(of('/v1/messages')).toBe('anthropic');
    expect(of('/v1/messages/count_tokens')).toBe('anthropic');
    expect(of('/v1/chat/completions')).toBe('openai');
    expect(of('/v1/messagesx')).toBe('openai');
    expect(of('/admin/actors')).toBe(DEFAULT_PROTOCOL);
    expect(ownerOfPath('/v1')?.name).toBe('openai');
    expect(ownerOfPath('/v1betax')).toBeNull();
    expect(ownerOfPath('/healthz')).toBeNull();
    expect(ownerOfPath('/admin')).toBeNull();
  });

  it('matches each client route to exactly one protocol', () => {
    const search = new URLSearchParams('alt=sse');
    const paths = [
      '/v1/chat/completions',
      '/v1/completions',
      '/v1/embeddings',
      '/v1/responses',
      '/v1/moderations',
      '/v1/images/generations',
      '/v1/audio/transcriptions',
      '/v1/audio/translations',
      '/v1/audio/speech',
      '/v1/messages',
      '/v1/messages/count_tokens',
      '/v1beta/models/g-1:streamGenerateContent',
    ];
    for (const path of paths) {
      const owners = allProtocols().filter((spec) => spec.matchRoute(path, search) !== null);
      expect(
        owners.map((spec) => spec.name),
        path,
      ).toEqual([protocolOfPath(path).name]);
    }
    expect(matchRoute('/v1beta/models/g-1:streamGenerateContent', search)).toEqual({
      protocol: 'gemini',
      upstreamPath: '/models/g-1:streamGenerateContent?alt=sse',
      streams: 'always',
      model: 'g-1',
    });
    expect(matchRoute('/v1/messages', search)).toEqual({ protocol: 'anthropic', upstreamPath: '/messages', streams: 'body' });
    expect(matchRoute('/v1/models', search)).toBeNull();
    expect(matchRoute('/v1/responses', search)).toEqual({ protocol: 'openai', upstreamPath: '/responses', streams: 'body' });
    expect(matchRoute('/v1/audio/transcriptions', search)).toEqual({
      protocol: 'openai',
      upstreamPath: '/audio/transcriptions',
      streams: 'never',
      form: true,
      expects: 'any',
    });
    expect(matchRoute('/v1/audio/speech', search)).toEqual({ protocol: 'openai', upstreamPath: '/audio/speech', streams: 'never', expects: 'any' });
    expect(matchRoute('/v1/foo', search)).toBeNull();
  });

  it('names each protocol’s endpoints for the 404 of an unknown path below its prefix', () => {
    expect(protocolSpec('openai').paths).toContain('POST /v1/audio/speech');
    expect(protocolSpec('anthropic').paths).toEqual(['POST /v1/messages', 'POST /v1/messages/count_tokens', 'GET /v1/models', 'GET /v1/models/{id}']);
    expect(protocolSpec('gemini').paths).toContain('POST /v1beta/models/{model}:streamGenerateContent');
  });

  it('tells model listings apart by path and by a required header', () => {
    expect(listingRequest('/v1/models', {})?.spec.name).toBe('openai');
    expect(listingRequest('/v1/models', { 'anthropic-version': '2023-06-01' })?.spec.name).toBe('anthropic');
    expect(listingRequest('/v1beta/models', {})?.spec.name).toBe('gemini');
    expect(listingRequest('/v1/chat/completions', {})).toBeNull();
    expect(protocolSpec('anthropic').modelListing.build([{ id: 'c-1', ownedBy: 'b' }])).toEqual({
      data: [{ type: 'model', id: 'c-1', display_name: 'c-1', created_at: '1970-01-01T00:00:00Z' }],
      has_more: false,
      first_id: 'c-1',
      last_id: 'c-1',
    });
  });

  it('reads the one model a listing path names, percent-decoded, and leaves routed paths alone', () => {
    expect(listingRequest('/v1/models/openai%2Fgpt-4o', {})).toMatchObject({ spec: { name: 'openai' }, model: 'openai/gpt-4o' });
    expect(listingRequest('/v1/models/openai/gpt-4o', {})?.model).toBe('openai/gpt-4o');
    expect(listingRequest('/v1/models/c-1', { 'anthropic-version': '2023-06-01' })).toMatchObject({ spec: { name: 'anthropic' }, model: 'c-1' });
    expect(listingRequest('/v1beta/models/g-1', {})).toMatchObject({ spec: { name: 'gemini' }, model: 'g-1' });
    expect(listingRequest('/v1beta/models/g-1:generateContent', {})).toBeNull();
    expect(listingRequest('/v1/models/', {})).toBeNull();
    expect(listingRequest('/v1/models/%E0%A4%A', {})).toBeNull();
  });

  it('reads each protocol’s upstream listing pages and the token of the next', () => {
    const openai = protocolSpec('openai').modelListing.upstream;
    expect(openai.pagePath(null)).toBe('/models');
    expect(openai.parsePage({ object: 'list', data: [{ id: 'a' }, { id: 'b' }, { nope: 1 }] })).toEqual({ ids: ['a', 'b'], next: null });
    expect(openai.parsePage({ error: { message: 'no' } })).toBeNull();
    const anthropic = protocolSpec('anthropic').modelListing.upstream;
    expect(anthropic.pagePath('c-2')).toBe('/models?limit=1000&after_id=c-2');
    expect(anthropic.parsePage({ data: [{ id: 'c-1' }, { id: 'c-2' }], has_more: true, last_id: 'c-2' })).toEqual({
      ids: ['c-1', 'c-2'],
      next: 'c-2',
    });
    expect(anthropic.parsePage({ data: [], has_more: false, last_id: null })).toEqual({ ids: [], next: null });
    const gemini = protocolSpec('gemini').modelListing.upstream;
    expect(gemini.pagePath('t/1')).toBe('/models?pageSize=1000&pageToken=t%2F1');
    expect(gemini.parsePage({ models: [{ name: 'models/g-1' }], nextPageToken: 'x' })).toEqual({ ids: ['g-1'], next: 'x' });
    expect(gemini.parsePage({ models: [{ name: 'models/g-2' }] })).toEqual({ ids: ['g-2'], next: null });
  });

  it('finds the protocol of an upstream path for sample answers', () => {
    expect(protocolOfUpstreamPath('/v1/messages').name).toBe('anthropic');
    expect(protocolOfUpstreamPath('/v1beta/models/g:streamGenerateContent?alt=sse').name).toBe('gemini');
    expect(protocolOfUpstreamPath('/v1/chat/completions').name).toBe('openai');
    expect(protocolOfUpstreamPath('/v1/anything').name).toBe(DEFAULT_PROTOCOL);
  });
});

describe('each protocol spec', () => {
  const settings = { anthropicVersion: '2023-06-01' };

  it('names its protocol’s auth header and prefix, and the headers the protocol itself needs', () => {
    expect(protocolSpec('openai').auth).toEqual({ header: 'authorization', prefix: 'Bearer ' });
    expect(protocolSpec('anthropic').auth).toEqual({ header: 'x-api-key', prefix: '' });
    expect(protocolSpec('gemini').auth).toEqual({ header: 'x-goog-api-key', prefix: '' });
    expect(protocolSpec('openai').ownHeaders({}, settings)).toEqual({});
    expect(protocolSpec('anthropic').ownHeaders({}, settings)).toEqual({ 'anthropic-version': '2023-06-01' });
    expect(protocolSpec('anthropic').ownHeaders({ 'anthropic-version': '2024-01-01' }, settings)['anthropic-version']).toBe('2024-01-01');
    expect(protocolSpec('gemini').ownHeaders({}, settings)).toEqual({});
  });

  it.each(PROTOCOL_NAMES)('%s: forwards no credential header and the common ones', (name) => {
    const allowed = protocolSpec(name).requestHeaders;
    for (const credential of ['authorization', 'x-api-key', 'x-goog-api-key', 'cookie']) expect(allowed.has(credential)).toBe(false);
    for (const common of ['content-type', 'accept', 'user-agent']) expect(allowed.has(common)).toBe(true);
  });

  it.each(PROTOCOL_NAMES)('%s: its in-band error frame is what the stream guard sees as an error', (name) => {
    const spec = protocolSpec(name);
    const error = new FuseboxError('upstream_failed', 'it broke');
    expect(new FirstEventScanner().push(spec.inBandError(error))).toBe('error');
    expect(spec.inBandError(error).toString()).toContain(spec.errorBody(error).toString());
    expect(() => JSON.parse(spec.errorBody(error).toString()) as unknown).not.toThrow();
  });

  it.each(PROTOCOL_NAMES)('%s: its sample stream ends complete by its own terminal marker', (name) => {
    const spec = protocolSpec(name);
    const sample = spec.samples.stream('m', ['a', ' b'], false);
    expect(new FirstEventScanner().push(Buffer.from(sample.frames.join('')))).toBe('data');
    const whole = Buffer.from(sample.frames.join('') + (sample.terminal ?? ''));
    const cut = Buffer.from(sample.frames.join(''));
    if (spec.terminalMarker === null) {
      expect(sample.terminal).toBeNull();
      expect(endsComplete(spec.terminalMarker, whole)).toBeNull();
    } else {
      expect(endsComplete(spec.terminalMarker, whole)).toBe(true);
      expect(endsComplete(spec.terminalMarker, cut)).toBe(false);
    }
  });

  it.each(PROTOCOL_NAMES)('%s: its sample stream without the terminal event is finished, and completed by its own terminal', (name) => {
    const spec = protocolSpec(name);
    const sample = spec.samples.stream('m', ['a', ' b'], true);
    const cut = Buffer.from(sample.frames.join(''));
    const end = judgeEnd(spec.terminalMarker, spec.streamEnding, cut);
    expect(end).toBe(sample.terminal === null ? 'complete' : 'unterminated');
    expect(spec.streamEnding.terminalEvent).toBe(sample.terminal);
    if (end === 'unterminated') expect(closingBytes(spec.streamEnding, cut).toString()).toBe(sample.terminal);
    const first = Buffer.from(sample.frames[0]!);
    expect(judgeEnd(spec.terminalMarker, spec.streamEnding, first)).toBe('truncated');
  });

  it('collects an openai sample stream into the whole answer’s shape; others do not collect', () => {
    const collect = protocolSpec('openai').collect!;
    expect([...collect.upstreamPaths]).toEqual(['/chat/completions', '/completions']);
    const body = JSON.parse(collect.streamingBody(Buffer.from('{"model":"m","stream_options":{"x":1}}')).toString()) as unknown;
    expect(body).toEqual({ model: 'm', stream: true, stream_options: { x: 1, include_usage: true } });
    const sample = protocolSpec('openai').samples.stream('m', ['a', ' b'], true);
    const collector = collect.collector();
    collector.push(Buffer.from(sample.frames.join('') + (sample.terminal ?? '')));
    const answer = JSON.parse(collector.result().toString()) as { object: string; choices: { message: { content: string } }[]; usage: unknown };
    expect(answer.object).toBe('chat.completion');
    expect(answer.choices[0]!.message.content).toBe('a b');
    expect(answer.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
    expect(protocolSpec('anthropic').collect).toBeNull();
    expect(protocolSpec('gemini').collect).toBeNull();
  });
});
