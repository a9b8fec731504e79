import { describe, expect, it } from 'vitest';
import { createActorTree } from '../../../src/actors/actor-tree.js';
import { planRestore } from '../../../src/persistence/restore.js';
import { decodeRecord, encodeRecord, type StoredActor } from '../../../src/persistence/snapshot-record.js';
import { credentialList, credentialOf, type BreakerInput } from '../../../src/machines/breaker.js';
import type { BreakerEvent } from '../../../src/machines/events.js';

const policy = { failureThreshold: 2, recoveryMs: 1_000, halfOpenProbes: 1 };

function recordAfter(input: BreakerInput, events: BreakerEvent[], identity?: string): StoredActor {
  const tree = createActorTree({ layout: [input] });
  for (const event of events) tree.send(input.id, event);
  const decoded = decodeRecord(encodeRecord(tree.persisted(input.id), 0, identity));
  tree.stop();
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.record;
}

const fail = (at: number, extra: Partial<Extract<BreakerEvent, { type: 'call.failed' }>> = {}): BreakerEvent => ({
  type: 'call.failed',
  at,
  probe: false,
  code: 'http_503',
  ...extra,
});

describe('planRestore', () => {
  const backend: BreakerInput = { id: 'backend:a', role: 'backend', policy };
  const opened = recordAfter(backend, [fail(100), fail(200)]); // open until 1200

  it('keeps an open breaker open until exactly its deadline', () => {
    const plan = planRestore([backend], new Map([['backend:a', opened]]), 1_199);
    const view = plan.restored.get('backend:a')!;
    expect(view.value).toBe('open');
    expect(view.context.openUntil).toBe(1_200);
    const tree = createActorTree({ layout: [backend], restored: plan.restored });
    tree.send('backend:a', { type: 'clock.tick', at: 1_199 });
    expect(tree.view('backend:a').state).toBe('open');
    tree.send('backend:a', { type: 'clock.tick', at: 1_200 });
    expect(tree.view('backend:a').state).toBe('half_open');
  });

  it('brings back as half_open a breaker whose deadline passed while stopped', () => {
    const view = planRestore([backend], new Map([['backend:a', opened]]), 5_000).restored.get('backend:a')!;
    expect(view.value).toBe('half_open');
    expect(view.context.lastTransition).toMatchObject({ at: 1_200, from: 'open', to: 'half_open' });
  });

  it('applies a changed recovery time to a threshold deadline but not to a trip', () => {
    const longer: BreakerInput = { ...backend, policy: { ...policy, recoveryMs: 3_000 } };
    expect(planRestore([longer], new Map([['backend:a', opened]]), 0).restored.get('backend:a')?.context.openUntil).toBe(3_200);
    const tripped = recordAfter(backend, [{ type: 'breaker.trip', at: 100, until: 9_000, reason: 'capacity' }]);
    expect(planRestore([longer], new Map([['backend:a', tripped]]), 0).restored.get('backend:a')?.context.openUntil).toBe(9_000);
  });

  it('returns the permits of probes that died with the last process', () => {
    const probing = recordAfter(backend, [fail(100), fail(200), { type: 'probe.start', at: 1_300 }]);
    expect(probing.snapshot.context.probesInFlight).toBe(1);
    const view = planRestore([backend], new Map([['backend:a', probing]]), 1_400).restored.get('backend:a')!;
    expect(view.value).toBe('half_open');
    expect(view.context.probesInFlight).toBe(0);
  });

  it('reconciles credentials: keeps known, adds new, drops removed; quotas follow the config', () => {
    const pool: BreakerInput = {
      id: 'pool:a:default',
      role: 'pool',
      policy,
      credentials: [{ id: 'k1', quota: { requests: 10, per: 'minute' } }, { id: 'k2' }],
    };
    const stored = recordAfter(pool, [
      { type: 'credential.rate_limited', at: 100, probe: false, code: 'http_429', credentialId: 'k1', cooldownUntil: 5_000 },
      { type: 'credential.rejected', at: 110, probe: false, code: 'http_401', credentialId: 'k2' },
    ]);
    const next: BreakerInput = { ...pool, credentials: [{ id: 'k1', quota: { requests: 20, per: 'hour' } }, { id: 'k3' }] };
    const context = planRestore([next], new Map([['pool:a:default', stored]]), 200).restored.get('pool:a:default')!.context;
    expect(credentialList(context).map((c) => c.id)).toEqual(['k1', 'k3']);
    expect(context.credentialSlots).toEqual({ k1: 0, k3: 1 });
    expect(credentialOf(context, 'k1')).toMatchObject({ cooldownUntil: 5_000, quota: { limit: 20, periodMs: 3_600_000, used: 1 } });
    expect(credentialOf(context, 'k3')).toMatchObject({ cooldownUntil: null, disabled: null });
  });

  it('starts fresh when a BaseURL index now points elsewhere, and lists dropped actors', () => {
    const baseUrl: BreakerInput = { id: 'baseurl:a:0', role: 'baseurl', policy };
    const record = recordAfter(baseUrl, [fail(1), fail(2)], 'http://old.example/v1');
    const records = new Map([
      ['baseurl:a:0', record],
      ['backend:gone', opened],
    ]);
    const moved = planRestore([baseUrl], records, 0, new Map([['baseurl:a:0', 'http://new.example/v1']]));
    expect(moved.fresh).toEqual(['baseurl:a:0']);
    expect(moved.dropped).toEqual(['backend:gone']);
    const same = planRestore([baseUrl], records, 0, new Map([['baseurl:a:0', 'http://old.example/v1']]));
    expect(same.restored.get('baseurl:a:0')?.value).toBe('open');
  });
});
