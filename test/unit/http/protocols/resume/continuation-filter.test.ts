import { describe, expect, it } from 'vitest';
import { ContinuationFilter } from '../../../../../src/http/protocols/neutral/continuation-filter.js';
import { HOLD_BACK } from '../../../../../src/http/protocols/neutral/overlap.js';
import type { StreamProgress } from '../../../../../src/http/protocols/neutral/stream-progress.js';
import type { StreamEvent } from '../../../../../src/http/protocols/neutral/types.js';

describe('ContinuationFilter (a continuation made to follow the partial answer)', () => {
  const progress = (text: string, toolCalls: StreamProgress['choices'][number]['toolCalls'] = []): StreamProgress => ({
    id: 'x',
    model: 'm',
    started: true,
    choices: [{ index: 0, text, reasoning: '', toolCalls }],
  });
  const run = (filter: ContinuationFilter, events: StreamEvent[]) => [...events.flatMap((e) => filter.push(e)), ...filter.flush()];

  it('drops its start, holds back its first characters and trims what restates the partial', () => {
    const filter = new ContinuationFilter(progress('The quick brown fox'));
    expect(filter.push({ type: 'start', id: 'other', model: 'm', created: 0 })).toEqual([]);
    expect(filter.push({ type: 'text-delta', choice: 0, text: 'brown fox' })).toEqual([]);
    expect(filter.push({ type: 'text-delta', choice: 0, text: ' jumps' })).toEqual([]);
    expect(filter.push({ type: 'finish', choice: 0, reason: 'stop' })).toEqual([
      { type: 'text-delta', choice: 0, text: ' jumps' },
      { type: 'finish', choice: 0, reason: 'stop' },
    ]);
  });

  it(`releases the held text once ${HOLD_BACK} characters arrived, then passes text through`, () => {
    const filter = new ContinuationFilter(progress('abc'));
    const long = 'x'.repeat(HOLD_BACK);
    expect(filter.push({ type: 'text-delta', choice: 0, text: long })).toEqual([{ type: 'text-delta', choice: 0, text: long }]);
    expect(filter.push({ type: 'text-delta', choice: 0, text: 'y' })).toEqual([{ type: 'text-delta', choice: 0, text: 'y' }]);
    expect(filter.flush()).toEqual([]);
  });

  it('drops reasoning once the client has text or reasoning, keeps it when the client has nothing yet', () => {
    const reasoning: StreamEvent = { type: 'reasoning-delta', choice: 0, text: 'thinking' };
    expect(run(new ContinuationFilter(progress('Hello')), [reasoning])).toEqual([]);
    const thought = progress('');
    thought.choices[0]!.reasoning = 'I was thinking';
    expect(run(new ContinuationFilter(thought), [reasoning])).toEqual([]);
    expect(run(new ContinuationFilter(progress('')), [reasoning])).toEqual([reasoning]);
  });

  it('drops a tool call identical to one the client has, numbers a new one after the client’s', () => {
    const sent = [{ index: 0, id: 't1', name: 'f', arguments: '{"a":1}', complete: true }];
    const call = (tool: number, name: string, args: string): StreamEvent[] => [
      { type: 'tool-call-start', choice: 0, tool, id: `c${tool}`, name },
      { type: 'tool-call-delta', choice: 0, tool, arguments: args },
      { type: 'tool-call-end', choice: 0, tool },
    ];
    const out = run(new ContinuationFilter(progress('', sent)), [...call(0, 'f', '{"a":1}'), ...call(1, 'g', '{}')]);
    expect(out).toEqual([
      { type: 'tool-call-start', choice: 0, tool: 1, id: 'c1', name: 'g' },
      { type: 'tool-call-delta', choice: 0, tool: 1, arguments: '{}' },
      { type: 'tool-call-end', choice: 0, tool: 1 },
    ]);
  });
});
