import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startTestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { responseObject, responsesStream, startEndpointUpstream, type Answer, type EndpointUpstream } from '../helpers/endpoint-upstream.js';

/** The Responses API (`POST /v1/responses`) through fusebox with the real openai SDK, JSON and streamed. */
describe('the Responses API through fusebox', () => {
  const cleanups = cleanupAfterEach();

  async function setup(...answers: ((request: { body: Buffer }) => Answer)[]): Promise<{ ups: EndpointUpstream[]; client: OpenAI }> {
    const ups: EndpointUpstream[] = [];
    for (const answer of answers) {
      const up = await startEndpointUpstream(answer);
      cleanups.push(() => up.close());
      ups.push(up);
    }
    const gw = await startTestGateway({
      backends: ups.map((up, index) => ({ id: `b${index}`, priority: index, baseUrls: [up.baseUrl], credentials: [{ apiKey: `sk-b${index}` }] })),
    });
    cleanups.push(() => gw.close());
    return { ups, client: new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 }) };
  }

  const json = (text: string): Answer => ({ kind: 'whole', contentType: 'application/json', body: JSON.stringify(responseObject('gpt-test', text)) });
  const failing: Answer = { kind: 'whole', status: 500, contentType: 'application/json', body: '{"error":{"message":"down","type":"server_error"}}' };

  it('answers a JSON response from an openai backend, the request passed through with the backend’s key', async () => {
    const { ups, client } = await setup(() => json('hello from b0'));
    const reply = await client.responses.create({ model: 'gpt-test', input: 'hi', instructions: 'be brief' });
    expect(reply.output_text).toBe('hello from b0');
    const [sent] = ups[0]!.received;
    expect(sent?.path).toBe('/v1/responses');
    expect(sent?.headers.authorization).toBe('Bearer sk-b0');
    expect(JSON.parse(sent!.body.toString())).toEqual({ model: 'gpt-test', input: 'hi', instructions: 'be brief' });
  });

  it('fails a JSON response over to the next backend on a 500', async () => {
    const { ups, client } = await setup(
      () => failing,
      () => json('hello from b1'),
    );
    const reply = await client.responses.create({ model: 'gpt-test', input: 'hi' });
    expect(reply.output_text).toBe('hello from b1');
    expect(ups.map((up) => up.received.length)).toEqual([1, 1]);
  });

  it('streams response.* events to the end, response.completed last, with nothing appended', async () => {
    const { ups, client } = await setup(() => ({ kind: 'events', events: responsesStream('gpt-test', ['a', ' b', ' c']) }));
    const stream = await client.responses.create({ model: 'gpt-test', input: 'hi', stream: true });
    const types: string[] = [];
    const deltas: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') deltas.push(event.delta);
    }
    expect(types).toEqual([
      'response.created',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.completed',
    ]);
    expect(deltas.join('')).toBe('a b c');
    expect(JSON.parse(ups[0]!.received[0]!.body.toString())).toMatchObject({ stream: true });
  });

  it('passes a stream whose final event is far longer than its last bytes, byte for byte', async () => {
    const long = 'x'.repeat(200_000);
    const events = responsesStream('gpt-test', [long]);
    const { client } = await setup(() => ({ kind: 'events', events }));
    const response = await client.responses.create({ model: 'gpt-test', input: 'hi', stream: true }).asResponse();
    expect(await response.text()).toBe(events.join(''));
  });

  it('fails a stream over before its first byte: the first upstream answers 500, the second streams', async () => {
    const { ups, client } = await setup(
      () => failing,
      () => ({ kind: 'events', events: responsesStream('gpt-test', ['from b1']) }),
    );
    const stream = await client.responses.create({ model: 'gpt-test', input: 'hi', stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types.at(-1)).toBe('response.completed');
    expect(ups.map((up) => up.received.length)).toEqual([1, 1]);
  });

  it('fails a stream over when its first event is an error event', async () => {
    const error = 'event: error\ndata: {"type":"error","code":"server_error","message":"overloaded","sequence_number":0}\n\n';
    const { ups, client } = await setup(
      () => ({ kind: 'events', events: [error] }),
      () => ({ kind: 'events', events: responsesStream('gpt-test', ['ok']) }),
    );
    const stream = await client.responses.create({ model: 'gpt-test', input: 'hi', stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types.at(-1)).toBe('response.completed');
    expect(ups.map((up) => up.received.length)).toEqual([1, 1]);
  });

  it.each([
    ['ends cleanly without response.completed', false],
    ['is reset', true],
  ])('ends a stream that %s mid-way with an in-band error event the SDK throws', async (_name, reset) => {
    const { client } = await setup(() => ({ kind: 'events', events: responsesStream('gpt-test', ['a', ' b'], false), reset }));
    const stream = await client.responses.create({ model: 'gpt-test', input: 'hi', stream: true });
    const types: string[] = [];
    const read = async () => {
      for await (const event of stream) types.push(event.type);
    };
    await expect(read()).rejects.toThrow(/upstream|stream/i);
    expect(types).toEqual(['response.created', 'response.output_text.delta', 'response.output_text.delta']);
  });

  it('does not send a Responses request to a backend of another kind', async () => {
    const up = await startEndpointUpstream(() => json('never'));
    cleanups.push(() => up.close());
    const gw = await startTestGateway({
      backends: [{ id: 'claude', kind: 'anthropic', models: ['gpt-test'], baseUrls: [up.baseUrl], credentials: [{ apiKey: 'sk-a' }] }],
    });
    cleanups.push(() => gw.close());
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    await expect(client.responses.create({ model: 'gpt-test', input: 'hi' })).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
    expect(up.received).toHaveLength(0);
  });
});
