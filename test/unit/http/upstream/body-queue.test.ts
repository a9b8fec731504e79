import { describe, expect, it } from 'vitest';
import { BodyQueue } from '../../../../src/http/upstream/body-queue.js';
import { UpstreamBodyError } from '../../../../src/routing/types.js';

function controlled() {
  const calls: string[] = [];
  const control = { pause: () => calls.push('pause'), resume: () => calls.push('resume'), abort: () => calls.push('abort') };
  return { calls, control };
}

describe('BodyQueue.pipe', () => {
  it('hands queued chunks, then live ones, to the writer in order, and resolves at the end', async () => {
    const { control } = controlled();
    const body = new BodyQueue(control);
    body.push(Buffer.from('a'));
    body.push(Buffer.from('b'));
    const seen: string[] = [];
    const piped = body.pipe((chunk) => void seen.push(chunk.toString()));
    expect(seen).toEqual(['a', 'b']);
    body.push(Buffer.from('c'));
    expect(seen).toEqual(['a', 'b', 'c']);
    body.end();
    await expect(piped).resolves.toBeUndefined();
  });

  it('pauses the upstream while the writer is backed up, and resumes once it drains', async () => {
    const { calls, control } = controlled();
    const body = new BodyQueue(control);
    let drain!: () => void;
    const piped = body.pipe(() => new Promise<void>((resolve) => (drain = resolve)));
    body.push(Buffer.from('x'));
    expect(calls).toEqual(['pause']);
    drain();
    await Promise.resolve();
    expect(calls).toEqual(['pause', 'resume']);
    body.end();
    await piped;
  });

  it('rejects with the upstream failure', async () => {
    const { control } = controlled();
    const body = new BodyQueue(control);
    const piped = body.pipe(() => undefined);
    body.push(Buffer.from('x'));
    body.error('timeout_idle', 'no data for a while');
    await expect(piped).rejects.toBeInstanceOf(UpstreamBodyError);
    await expect(piped).rejects.toMatchObject({ code: 'timeout_idle' });
  });
});
