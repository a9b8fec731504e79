import { describe, expect, it } from 'vitest';
import { ClientGone } from '../../../../src/http/server/client-gone.js';

describe('ClientGone', () => {
  it('runs each listener still registered once when the client leaves, and none added after', () => {
    const gone = new ClientGone();
    const calls: string[] = [];
    const kept = () => calls.push('kept');
    const removed = () => calls.push('removed');
    gone.addEventListener('abort', kept);
    gone.addEventListener('abort', removed);
    gone.removeEventListener('abort', removed);
    expect(gone.aborted).toBe(false);
    gone.abort();
    gone.abort();
    gone.addEventListener('abort', () => calls.push('late'));
    expect(gone.aborted).toBe(true);
    expect(calls).toEqual(['kept']);
  });
});
