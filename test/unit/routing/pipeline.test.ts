import { describe, expect, it } from 'vitest';
import { createPipeline, type PipelineOptions } from '../../../src/routing/pipeline.js';
import type { RoutingGeneration } from '../../../src/routing/generation.js';
import type { Job } from '../../../src/routing/types.js';

/** The pipeline only passes jobs and generations through: plain tagged records stand in for them. */
const job = (id: string) => ({ id }) as unknown as Job;
const generation = { tag: 'g' } as unknown as RoutingGeneration;

/** A handler whose jobs finish when the test says so, recording the order they started in. */
function controlled() {
  const started: string[] = [];
  const finish = new Map<string, { ok: (value: string) => void; fail: (error: Error) => void }>();
  const handle = (j: Job) =>
    new Promise<string>((ok, fail) => {
      started.push(j.id);
      finish.set(j.id, { ok, fail });
    });
  return { started, finish, handle };
}

function pipelineWith(maxConcurrent: number, maxQueued: number, overrides: Partial<PipelineOptions<string>> = {}) {
  const { started, finish, handle } = controlled();
  const done: string[] = [];
  const errors: string[] = [];
  const pipeline = createPipeline<string>({
    maxConcurrent,
    maxQueued,
    handle,
    onDone: (j, result) => done.push(`${j.id}:${result}`),
    onError: (j, error) => errors.push(`${j.id}:${(error as Error).message}`),
    ...overrides,
  });
  return { pipeline, started, finish, done, errors };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the request pipeline', () => {
  it('ends every job once, with its generation, after onDone or onError, even when they throw', async () => {
    const ends: string[] = [];
    const { pipeline, finish, errors } = pipelineWith(3, 0, {
      onDone: (j) => {
        if (j.id === 'b') throw new Error('onDone broke');
      },
      onEnd: (j, g) => ends.push(`${j.id}:${(g as unknown as { tag: string }).tag}`),
    });
    for (const id of ['a', 'b', 'c']) pipeline.submit(job(id), generation);
    finish.get('a')!.ok('x');
    finish.get('b')!.ok('y');
    finish.get('c')!.fail(new Error('c failed'));
    await settle();
    expect(ends).toEqual(['a:g', 'b:g', 'c:g']);
    expect(errors).toEqual(['b:onDone broke', 'c:c failed']);
    expect(pipeline.inFlight).toBe(0);
  });

  it('runs at most maxConcurrent jobs, queues up to maxQueued more and refuses the rest', () => {
    const { pipeline, started } = pipelineWith(2, 1);
    expect(['a', 'b', 'c', 'd'].map((id) => pipeline.submit(job(id), generation))).toEqual([true, true, true, false]);
    expect(started).toEqual(['a', 'b']);
    expect(pipeline.inFlight).toBe(3);
  });

  it('starts queued jobs in the order they came, each as a running one finishes', async () => {
    const { pipeline, started, finish, done } = pipelineWith(1, 3);
    for (const id of ['a', 'b', 'c', 'd']) pipeline.submit(job(id), generation);
    finish.get('a')!.ok('1');
    await settle();
    expect(started).toEqual(['a', 'b']);
    finish.get('b')!.ok('2');
    await settle();
    finish.get('c')!.ok('3');
    await settle();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    expect(done).toEqual(['a:1', 'b:2', 'c:3']);
    expect(pipeline.submit(job('e'), generation)).toBe(true);
  });

  it('hands a failed job to onError and goes on with the next', async () => {
    const { pipeline, started, finish, done, errors } = pipelineWith(1, 1);
    pipeline.submit(job('a'), generation);
    pipeline.submit(job('b'), generation);
    finish.get('a')!.fail(new Error('boom'));
    await settle();
    finish.get('b')!.ok('fine');
    await settle();
    expect(errors).toEqual(['a:boom']);
    expect(done).toEqual(['b:fine']);
    expect(started).toEqual(['a', 'b']);
    expect(pipeline.inFlight).toBe(0);
  });

  it('hands an error thrown by onDone to onError', async () => {
    const { pipeline, finish, errors } = pipelineWith(1, 0, {
      onDone: () => {
        throw new Error('could not answer');
      },
    });
    pipeline.submit(job('a'), generation);
    finish.get('a')!.ok('1');
    await settle();
    expect(errors).toEqual(['a:could not answer']);
  });

  it('passes each job the generation it was submitted with', async () => {
    const seen: unknown[] = [];
    const other = { tag: 'h' } as unknown as RoutingGeneration;
    const pipeline = createPipeline<string>({
      maxConcurrent: 1,
      maxQueued: 1,
      handle: (_j, g) => {
        seen.push(g);
        return Promise.resolve('x');
      },
      onDone: () => undefined,
      onError: () => undefined,
    });
    pipeline.submit(job('a'), generation);
    pipeline.submit(job('b'), other);
    await pipeline.drain();
    expect(seen).toEqual([generation, other]);
  });

  it('drains when every accepted job has finished, queued ones included', async () => {
    const { pipeline, finish, done } = pipelineWith(1, 2);
    for (const id of ['a', 'b', 'c']) pipeline.submit(job(id), generation);
    let drained = false;
    const draining = pipeline.drain().then(() => (drained = true));
    for (const id of ['a', 'b', 'c']) {
      await settle();
      expect(drained).toBe(false);
      finish.get(id)!.ok(id);
    }
    await draining;
    expect(done).toEqual(['a:a', 'b:b', 'c:c']);
    expect(pipeline.inFlight).toBe(0);
  });

  it('keeps FIFO order through a queue longer than its compaction threshold', async () => {
    const order: number[] = [];
    const pipeline = createPipeline<number>({
      maxConcurrent: 1,
      maxQueued: 3000,
      handle: (j) => Promise.resolve(Number(j.id)),
      onDone: (_j, n) => order.push(n),
      onError: () => undefined,
    });
    for (let i = 0; i < 2500; i++) pipeline.submit(job(String(i)), generation);
    await pipeline.drain();
    expect(order).toEqual(Array.from({ length: 2500 }, (_, i) => i));
  });

  it('takes no job after close', () => {
    const { pipeline } = pipelineWith(1, 1);
    pipeline.close();
    expect(pipeline.submit(job('a'), generation)).toBe(false);
  });
});
