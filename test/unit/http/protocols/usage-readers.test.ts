import { describe, expect, it } from 'vitest';
import { protocolSpec } from '../../../../src/http/protocols/registry.js';

const sse = (...events: unknown[]) => events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('');
const buf = (s: string) => Buffer.from(s);

describe('the protocols’ usage readers', () => {
  it('OpenAI: usage of a whole answer, and of the report chunk in a stream’s tail (which may start mid-line)', () => {
    const usage = protocolSpec('openai').usage;
    expect(usage.fromBody(buf('{"id":"x","usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}'))).toMatchObject({
      inputTokens: 5,
      outputTokens: 2,
    });
    expect(usage.fromBody(buf('{"id":"x"}'))).toBeNull();
    const tail =
      sse({ choices: [{ delta: {} }], usage: null }, { choices: [], usage: { prompt_tokens: 9, completion_tokens: 4 } }) + 'data: [DONE]\n\n';
    expect(usage.fromStream(buf(''), buf(`ta": {"cut`.concat('\n', tail)))).toMatchObject({ inputTokens: 9, outputTokens: 4 });
    expect(usage.fromStream(buf(''), buf(sse({ choices: [{ delta: {} }], usage: null })))).toBeNull();
  });

  it('OpenAI: asks a chat stream for its usage report unless the client did, keeping the client’s other stream options', () => {
    const usage = protocolSpec('openai').usage;
    const asked = usage.askForReport!('/chat/completions', buf('{"model":"m","stream":true,"stream_options":{"x":1}}'));
    expect(JSON.parse(asked!.toString())).toEqual({ model: 'm', stream: true, stream_options: { x: 1, include_usage: true } });
    expect(JSON.parse(usage.askForReport!('/completions', buf('{"stream":true}'))!.toString())).toEqual({
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(usage.askForReport!('/chat/completions', buf('{"stream":true,"stream_options":{"include_usage":true}}'))).toBeNull();
    expect(usage.askForReport!('/embeddings', buf('{"stream":true}'))).toBeNull();
    expect(usage.askForReport!('/chat/completions', buf('{"stream":true,"stream_options":"odd"}'))).toBeNull();
  });

  it('Anthropic: input from message_start (cache reads and writes counted), output from message_delta, which may restate input', () => {
    const usage = protocolSpec('anthropic').usage;
    expect(usage.fromBody(buf('{"usage":{"input_tokens":3,"output_tokens":4,"cache_read_input_tokens":10}}'))).toMatchObject({
      inputTokens: 13,
      outputTokens: 4,
    });
    const head = buf(
      `event: message_start\n${sse({ type: 'message_start', message: { usage: { input_tokens: 6, output_tokens: 1, cache_creation_input_tokens: 2 } } })}`,
    );
    const tail = buf(
      `event: message_delta\n${sse({ type: 'message_delta', usage: { output_tokens: 12 } })}event: message_stop\n${sse({ type: 'message_stop' })}`,
    );
    expect(usage.fromStream(head, tail)).toMatchObject({ inputTokens: 8, outputTokens: 12 });
    const restated = buf(sse({ type: 'message_delta', usage: { input_tokens: 7, output_tokens: 12 } }));
    expect(usage.fromStream(head, restated)).toMatchObject({ inputTokens: 9, outputTokens: 12 });
    expect(usage.fromStream(buf(''), buf(''))).toBeNull();
  });

  it('Gemini: usageMetadata of a whole answer and of a stream’s last chunk (thoughts counted as output)', () => {
    const usage = protocolSpec('gemini').usage;
    expect(usage.fromBody(buf('{"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":4,"thoughtsTokenCount":5}}'))).toMatchObject({
      inputTokens: 3,
      outputTokens: 9,
    });
    const tail = buf(
      sse(
        { candidates: [], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1 } },
        { candidates: [], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 6 } },
      ),
    );
    expect(usage.fromStream(buf(''), tail)).toMatchObject({ inputTokens: 3, outputTokens: 6 });
  });
});
