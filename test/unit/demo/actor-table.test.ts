import { describe, expect, it } from 'vitest';
import type { ActorView } from '../../../src/actors/actor-tree.js';
import type { BreakerContext } from '../../../src/machines/breaker.js';
import { freshCredential } from '../../../src/machines/credentials.js';
import { freshHealth } from '../../../src/machines/health.js';
import { actorRows, formatTable } from '../../../src/demo/actor-table.js';

const policy = { failureThreshold: 3, recoveryMs: 4000, halfOpenProbes: 1 };

function view(state: ActorView['state'], context: Partial<BreakerContext>): ActorView {
  const base = {
    id: 'x',
    role: 'backend',
    policy,
    openUntil: null,
    probesInFlight: 0,
    health: freshHealth,
    credentialChunks: [],
    credentialSlots: {},
    lastTransition: null,
    isolated: false,
  };
  return { state, context: { ...base, ...context } as unknown as BreakerContext };
}

describe('the demo actor table', () => {
  it('shows state, score, the time to the next deadline and each credential with its weight', () => {
    const now = 1_000_000;
    const cooling = { ...freshCredential({ id: 'k2' }), cooldownUntil: now + 2_500 };
    const views: Record<string, ActorView> = {
      'backend:a': view('open', { openUntil: now + 3_200 }),
      'pool:a:default': view('closed', { credentialChunks: [[freshCredential({ id: 'k1' }), cooling]], credentialSlots: { k1: 0, k2: 1 } }),
    };
    const rows = actorRows(Object.keys(views), (id) => views[id]!, now);
    expect(rows[0]).toMatchObject({ name: 'backend:a', state: 'open', score: '50', next: 'half-open in 3.2s' });
    expect(rows[1]).toMatchObject({ name: '  pool:a:default', state: 'closed' });
    expect(rows[2]).toMatchObject({ name: '      key k1', state: 'usable', weight: '0.80' });
    expect(rows[3]).toMatchObject({ name: '      key k2', state: 'cooling down', next: 'usable in 2.5s' });
    const lines = formatTable(rows);
    expect(lines[0]).toMatch(/^actor\s+state\s+score\s+weight\s+next deadline$/);
    expect(lines).toHaveLength(5);
  });
});
