import { describe, expect, it } from 'vitest';
import { createBackendSlots } from '../../../src/routing/backend-slots.js';
import type { BackendRoute } from '../../../src/routing/route-table.js';

const route = (id: string, maxConcurrent?: number) =>
  ({
    config: { id, ...(maxConcurrent === undefined ? {} : { maxConcurrent }) },
    baseUrlActorIds: [`baseurl:${id}:0`, `baseurl:${id}:1`],
  }) as unknown as BackendRoute;

describe('per-backend slots', () => {
  it('admits up to maxConcurrent, then excludes the backend for this request', () => {
    const slots = createBackendSlots();
    const capped = route('a', 2);
    const excluded = new Set<string>();
    expect(slots.tryTake(capped, excluded)).toBe(true);
    expect(slots.tryTake(capped, excluded)).toBe(true);
    expect(excluded.size).toBe(0);
    expect(slots.tryTake(capped, excluded)).toBe(false);
    expect([...excluded]).toEqual(['baseurl:a:0', 'baseurl:a:1']);
    expect(slots.inUse('a')).toBe(2);
  });

  it('gives slots back, and never caps a backend without maxConcurrent', () => {
    const slots = createBackendSlots();
    const capped = route('a', 1);
    expect(slots.tryTake(capped, new Set())).toBe(true);
    slots.give(capped);
    expect(slots.inUse('a')).toBe(0);
    expect(slots.tryTake(capped, new Set())).toBe(true);
    const free = route('b');
    for (let i = 0; i < 100; i++) expect(slots.tryTake(free, new Set())).toBe(true);
    expect(slots.inUse('b')).toBe(100);
  });
});
