import OpenAI, { toFile } from 'openai';
import { describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { startEndpointUpstream, type Answer, type EndpointUpstream, type Received } from '../helpers/endpoint-upstream.js';

/** Moderations, images and audio through fusebox with the real openai SDK: passed through to openai backends. */
describe('the OpenAI endpoints beyond chat through fusebox', () => {
  const cleanups = cleanupAfterEach();

  async function setup(
    answers: ((request: Received) => Answer)[],
    server: { maxBodyBytes?: number } = {},
  ): Promise<{ ups: EndpointUpstream[]; gw: TestGateway; client: OpenAI }> {
    const ups: EndpointUpstream[] = [];
    for (const answer of answers) {
      const up = await startEndpointUpstream(answer);
      cleanups.push(() => up.close());
      ups.push(up);
    }
    const gw = await startTestGateway({
      server: { port: 0, ...server },
      backends: ups.map((up, index) => ({ id: `b${index}`, priority: index, baseUrls: [up.baseUrl], credentials: [{ apiKey: `sk-b${index}` }] })),
    });
    cleanups.push(() => gw.close());
    return { ups, gw, client: new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 }) };
  }

  const formOf = (sent: Received) =>
    new Response(new Uint8Array(sent.body), { headers: { 'content-type': sent.headers['content-type']! } }).formData();
  const jsonAnswer = (value: unknown): Answer => ({ kind: 'whole', contentType: 'application/json', body: JSON.stringify(value) });
  const unavailable: Answer = {
    kind: 'whole',
    status: 503,
    contentType: 'application/json',
    body: '{"error":{"message":"busy","type":"server_error"}}',
  };
  /** Bytes no text decoding survives: every byte value, twice. */
  const binary = Buffer.from([...Array(512).keys()].map((n) => n % 256));

  it('passes a moderation through to the openai backend', async () => {
    const result = {
      id: 'modr-1',
      model: 'omni-moderation-latest',
      results: [{ flagged: true, categories: { violence: true }, category_scores: { violence: 0.9 } }],
    };
    const { ups, client } = await setup([() => jsonAnswer(result)]);
    const reply = await client.moderations.create({ model: 'omni-moderation-latest', input: 'some text' });
    expect(reply.results[0]?.flagged).toBe(true);
    const [sent] = ups[0]!.received;
    expect(sent?.path).toBe('/v1/moderations');
    expect(sent?.headers.authorization).toBe('Bearer sk-b0');
    expect(JSON.parse(sent!.body.toString())).toEqual({ model: 'omni-moderation-latest', input: 'some text' });
  });

  it('generates an image, failing over from a 503 to the next backend', async () => {
    const { ups, client } = await setup([() => unavailable, () => jsonAnswer({ created: 1, data: [{ b64_json: binary.toString('base64') }] })]);
    const reply = await client.images.generate({ model: 'gpt-image-1', prompt: 'a fuse', size: '1024x1024' });
    expect(Buffer.from(reply.data?.[0]?.b64_json ?? '', 'base64')).toEqual(binary);
    expect(ups.map((up) => up.received.map((request) => request.path))).toEqual([['/v1/images/generations'], ['/v1/images/generations']]);
    expect(JSON.parse(ups[1]!.received[0]!.body.toString())).toMatchObject({ model: 'gpt-image-1', prompt: 'a fuse' });
  });

  const imageEvents = (kind: 'generation' | 'edit') => ({
    kind: 'events' as const,
    events: [`image_${kind}.partial_image`, `image_${kind}.completed`].map(
      (type, index) => `event: ${type}\ndata: ${JSON.stringify({ type, b64_json: binary.toString('base64'), partial_image_index: index })}\n\n`,
    ),
  });

  it('streams an image generation to its image_generation.completed event', async () => {
    const { ups, client } = await setup([() => imageEvents('generation')]);
    const stream = await client.images.generate({ model: 'gpt-image-1', prompt: 'a fuse', stream: true, partial_images: 1 });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(['image_generation.partial_image', 'image_generation.completed']);
    expect(JSON.parse(ups[0]!.received[0]!.body.toString())).toMatchObject({ stream: true });
  });

  it('edits an uploaded image as a stream when the form says stream=true', async () => {
    const { ups, client } = await setup([() => imageEvents('edit')]);
    const image = await toFile(binary, 'fuse.png', { type: 'image/png' });
    const stream = await client.images.edit({ model: 'gpt-image-1', image, prompt: 'brighter', stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(['image_edit.partial_image', 'image_edit.completed']);
    const sent = ups[0]!.received[0]!;
    expect(sent.path).toBe('/v1/images/edits');
    const form = await formOf(sent);
    expect([form.get('model'), form.get('stream')]).toEqual(['gpt-image-1', 'true']);
  });

  it('transcribes an uploaded file: the model is read from the form and the upload reaches the backend byte for byte', async () => {
    const { ups, client } = await setup([() => jsonAnswer({ text: 'hello there' })]);
    const file = await toFile(binary, 'speech.wav', { type: 'audio/wav' });
    const reply = await client.audio.transcriptions.create({ model: 'whisper-1', file, language: 'en' });
    expect(reply.text).toBe('hello there');
    const [sent] = ups[0]!.received;
    expect(sent?.path).toBe('/v1/audio/transcriptions');
    expect(sent?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(sent?.headers.authorization).toBe('Bearer sk-b0');
    const form = await formOf(sent!);
    expect(form.get('model')).toBe('whisper-1');
    expect(form.get('language')).toBe('en');
    const uploaded = form.get('file') as File;
    expect(uploaded.name).toBe('speech.wav');
    expect(Buffer.from(await uploaded.arrayBuffer())).toEqual(binary);
  });

  it('asks a fallback pool for its own model in the upload’s form, the file untouched', async () => {
    const [first, second] = [
      await startEndpointUpstream(() => unavailable),
      await startEndpointUpstream(() => jsonAnswer({ text: 'from the fallback' })),
    ];
    cleanups.push(
      () => first.close(),
      () => second.close(),
    );
    const gw = await startTestGateway({
      modelPools: {
        whisper: { match: ['whisper-1'], fallback: 'newer', mapModels: { 'whisper-1': 'gpt-4o-transcribe' } },
        newer: { match: ['gpt-4o-transcribe'] },
      },
      backends: [
        { id: 'old', models: ['whisper-1'], baseUrls: [first.baseUrl], credentials: [{ apiKey: 'sk-old' }] },
        { id: 'new', models: ['gpt-4o-transcribe'], baseUrls: [second.baseUrl], credentials: [{ apiKey: 'sk-new' }] },
      ],
    });
    cleanups.push(() => gw.close());
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    const reply = await client.audio.transcriptions.create({ model: 'whisper-1', file: await toFile(binary, 'a.wav', { type: 'audio/wav' }) });
    expect(reply.text).toBe('from the fallback');
    const forms = await Promise.all([first, second].map((up) => formOf(up.received[0]!)));
    expect(forms.map((form) => form.get('model'))).toEqual(['whisper-1', 'gpt-4o-transcribe']);
    expect(Buffer.from(await (forms[1]!.get('file') as File).arrayBuffer())).toEqual(binary);
  });

  it('passes a plain-text translation answer (response_format: text) through, not as a malformed body', async () => {
    const { ups, client } = await setup([() => ({ kind: 'whole', contentType: 'text/plain; charset=utf-8', body: 'plain words\n' })]);
    const file = await toFile(binary, 'speech.mp3', { type: 'audio/mpeg' });
    const reply = await client.audio.translations.create({ model: 'whisper-1', file, response_format: 'text' });
    expect(reply).toBe('plain words\n');
    expect(ups[0]!.received[0]?.path).toBe('/v1/audio/translations');
  });

  it('answers speech with the backend’s audio bytes, failing over from a reset before the first byte', async () => {
    const { ups, client } = await setup([() => ({ kind: 'reset' }), () => ({ kind: 'whole', contentType: 'audio/mpeg', body: binary })]);
    const response = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'hello' });
    expect(response.headers.get('content-type')).toBe('audio/mpeg');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(binary);
    expect(JSON.parse(ups[1]!.received[0]!.body.toString())).toEqual({ model: 'tts-1', voice: 'alloy', input: 'hello' });
  });

  it('refuses an upload without a model field, not multipart, with a bad stream flag or over maxBodyBytes, in OpenAI’s format', async () => {
    const { ups, gw } = await setup([() => jsonAnswer({ text: 'never' })], { maxBodyBytes: 4096 });
    const post = (path: string, body: BodyInit) => fetch(`${gw.url}${path}`, { method: 'POST', body });
    const fields = (entries: Record<string, string>, file: Buffer) => {
      const form = new FormData();
      for (const [name, value] of Object.entries(entries)) form.set(name, value);
      form.set('file', new Blob([new Uint8Array(file)]), 'a.wav');
      return form;
    };
    const answers = await Promise.all([
      post('/audio/transcriptions', fields({}, binary)),
      post('/audio/transcriptions', '{"model":"whisper-1"}'),
      post('/images/edits', fields({ model: 'gpt-image-1', stream: 'maybe' }, binary)),
      post('/audio/transcriptions', fields({ model: 'whisper-1' }, Buffer.alloc(8192))),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 413]);
    const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as { error: { code: string; message: string } }[];
    expect(bodies.map((body) => body.error.code)).toEqual(['missing_model', 'invalid_request', 'invalid_request', 'body_too_large']);
    expect(bodies.map((body) => body.error.message).slice(0, 3)).toEqual([
      'the form must have a "model" field',
      'the request body must be multipart/form-data (with a boundary)',
      '"stream" must be true or false',
    ]);
    expect(ups[0]!.received).toHaveLength(0);
  });

  it('answers an unknown path under /v1 with a 404 in OpenAI’s format naming the supported paths', async () => {
    const { gw } = await setup([() => jsonAnswer({})]);
    const answer = await fetch(`${gw.url}/foo`, { method: 'POST', body: '{"model":"m"}' });
    expect(answer.status).toBe(404);
    const body = (await answer.json()) as { error: { message: string; type: string; code: string } };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'unknown_url' });
    for (const path of ['POST /v1/chat/completions', 'POST /v1/responses', 'POST /v1/audio/speech', 'POST /v1/moderations', 'GET /v1/models']) {
      expect(body.error.message).toContain(path);
    }
    expect(body.error.message).toMatch(/^unknown route POST \/v1\/foo; fusebox serves /);
  });
});
