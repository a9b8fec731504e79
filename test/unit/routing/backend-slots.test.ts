import { describe, expect, it } from 'vitest';
import { createBackendSlots } from '../../../src/routing/backend-slots.js';
import type { BackendRoute } from '../../../src/routing/route-table.js';

const route = (id: string, maxConcurrent?: number) =>
  ({
    config: { id, ...(maxConcurrent === undefined ? {} : { maxConcurrent }) },
    baseUrlActorIds: [`baseurl:${id}:0`, `baseurl:${id}:1`],
  }) as unknown as BackendRoute;

describe('per-backend slots', () => {
  it('admits up to maxConcurrent, then refuses', () => {
    const slots = createBackendSlots();
    const capped = route('a', 2);
    expect(slots.tryTake(capped)).toBe(true);
    expect(slots.tryTake(capped)).toBe(true);
    expect(slots.tryTake(capped)).toBe(false);
    expect(slots.inUse('a')).toBe(2);
  });

  it('gives slots back, and never caps a backend without maxConcurrent', () => {
    const slots = createBackendSlots();
    const capped = route('a', 1);
    expect(slots.tryTake(capped)).toBe(true);
    slots.give(capped);
    expect(slots.inUse('a')).toBe(0);
    expect(slots.tryTake(capped)).toBe(true);
    const free = route('b');
    for (let i = 0; i < 100; i++) expect(slots.tryTake(free)).toBe(true);
    expect(slots.inUse('b')).toBe(100);
  });
});
