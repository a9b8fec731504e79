import { describe, expect, it } from 'vitest';
import { chooseRoute, emptyMemory } from '../../../src/routing/plan.js';
import { seededRandom } from '../../../src/routing/random.js';
import type { KindScope } from '../../../src/routing/translation-step.js';
import { backend, fleet, T0 } from './fixtures.js';

/** Routing across kinds: which backends a scope reaches, and in which order. */
const translated: KindScope = { protocol: 'openai', translation: { targets: new Set(['anthropic', 'gemini']) } };

function kinds(options: { crossProtocol?: boolean; optOut?: string } = {}) {
  const of = (id: string, kind: 'openai' | 'anthropic' | 'gemini', priority: number) => ({
    ...backend(id, { priority }),
    kind,
    ...(options.optOut === id ? { acceptTranslated: false } : {}),
  });
  return fleet({
    routing: { crossProtocol: options.crossProtocol ?? true },
    backends: [of('ant', 'anthropic', 0), of('oai', 'openai', 0), of('gem', 'gemini', 1)],
  });
}

const order = (f: ReturnType<typeof fleet>, scope: KindScope | string) =>
  chooseRoute(scope, 'm', f.table, f.read, T0, seededRandom(1), {
    ...emptyMemory(),
    excluded: new Set(f.table.backends.map((b) => b.baseUrlActorIds[0]!)),
  }).considered.map((c) => [c.backend, c.rank]);

describe('chooseRoute across kinds', () => {
  it('ranks a backend of another kind one priority worse, so the own kind of a priority comes first', () => {
    expect(order(kinds(), translated)).toEqual([
      ['oai', 0],
      ['ant', 1],
      ['gem', 2],
    ]);
  });

  it('reaches only the own kind without a translation, with crossProtocol off, and skips opted-out backends', () => {
    expect(order(kinds(), 'openai')).toEqual([['oai', 0]]);
    expect(order(kinds({ crossProtocol: false }), translated)).toEqual([['oai', 0]]);
    expect(order(kinds({ optOut: 'ant' }), translated)).toEqual([
      ['oai', 0],
      ['gem', 2],
    ]);
  });

  it('serves and lists models of other kinds for a translating scope only', () => {
    const f = kinds();
    expect(f.table.servesModel('anthropic', 'm')).toBe(true);
    expect(f.table.servesModel({ protocol: 'nothing' }, 'm')).toBe(false);
    expect(f.table.servesModel({ protocol: 'nothing', translation: { targets: new Set(['gemini']) } }, 'm')).toBe(true);
    expect(kinds({ optOut: 'gem' }).table.servesModel({ protocol: 'nothing', translation: { targets: new Set(['gemini']) } }, 'm')).toBe(false);
  });
});
