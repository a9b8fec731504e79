import { createActor, type ActorRefFrom, type InspectionEvent, type Snapshot } from 'xstate';
import type { Observable } from 'rxjs';
import { Subject } from '../routing/rx.js';
import { breakerMachine, breakerState, type BreakerContext, type BreakerInput, type BreakerState } from '../machines/breaker.js';
import type { BreakerEvent, CallSuccess } from '../machines/types.js';
import type { Clock } from '../shared/clock.js';
import { supervisorMachine } from '../machines/supervisor.js';
import { diffLayout, reportOf, type ReconcileReport } from './fleet-diff.js';
import type { RestoredView } from '../persistence/restore.js';

/**
 * The living actor system: one supervisor and its breaker actors. All events reach actors
 * through `send`, which publishes each one on `changes$` with the states before and after,
 * so recorders, metrics and the admin feed see exactly what the actors saw.
 *
 * Coalescing (when `coalesce` is given): a routine success (`call.succeeded`, not a probe) for
 * a closed breaker waits up to `windowMs` and reaches the actor, with the others of that window,
 * as one `calls.succeeded`: one step of the machine per actor per window instead of three per
 * request. Nothing else waits: any other event for the actor delivers the waiting successes
 * first (order is kept), and so do `view` and `persisted`, so every reader sees every success.
 * Only `peek` (the router's hot path) may see an actor without its last few ms of successes.
 */
export interface ActorView {
  /** The traffic state: an `isolated` machine reads as `open` (with `context.isolated`). */
  readonly state: BreakerState;
  readonly context: BreakerContext;
}

export interface ActorChange {
  readonly actorId: string;
  readonly event: BreakerEvent;
  readonly from: BreakerState;
  readonly to: BreakerState;
  readonly after: ActorView;
}

export interface ActorTree {
  readonly ids: readonly string[];
  /** The inputs the actors were built from (ids, roles, policies, credential ids; no secrets). */
  readonly layout: readonly BreakerInput[];
  view(actorId: string): ActorView;
  /** Like `view`, without delivering coalesced successes first (at most `windowMs` old). */
  peek(actorId: string): ActorView;
  /** Delivers every waiting success now (before reading counters that `changes$` feeds). */
  settle(): void;
  /** `getPersistedSnapshot()` of one actor: what the snapshot store and the event log keep. */
  persisted(actorId: string): Snapshot<unknown>;
  /** Sends to an actor; an event for an actor removed by `reconcile` is dropped (late results). */
  send(actorId: string, event: BreakerEvent): void;
  readonly changes$: Observable<ActorChange>;
  /** The new layout, each time `reconcile` changed the fleet (the event log starts a new session). */
  readonly fleet$: Observable<readonly BreakerInput[]>;
  /** Config reload at `at`: spawn, stop or update actors so the fleet matches `layout` (see fleet-diff.ts). */
  reconcile(layout: readonly BreakerInput[], at: number): ReconcileReport;
  stop(): void;
}

type BreakerRef = ActorRefFrom<typeof breakerMachine>;

export interface ActorTreeOptions {
  readonly layout: readonly BreakerInput[];
  /** Passed to XState's `createActor` (the Stately inspector, when enabled). */
  readonly inspect?: (event: InspectionEvent) => void;
  /** Actors to start in a remembered state instead of fresh (see restore.ts). */
  readonly restored?: ReadonlyMap<string, RestoredView>;
  /** Deliver routine successes together, at most `windowMs` late (see above). Off when absent. */
  readonly coalesce?: { readonly clock: Clock; readonly windowMs: number };
}

export function createActorTree(options: ActorTreeOptions): ActorTree {
  const root = createActor(supervisorMachine, {
    input: { layout: options.layout },
    ...(options.restored?.size ? { snapshot: rootSnapshot(options.layout, options.restored) } : {}),
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  root.start();
  const refs = new Map<string, BreakerRef>();
  for (const input of options.layout) {
    const ref = root.system.get(input.id) as BreakerRef | undefined;
    if (!ref) throw new Error(`actor ${input.id} was not spawned`);
    refs.set(input.id, ref);
  }
  const changes = new Subject<ActorChange>();
  const fleet = new Subject<readonly BreakerInput[]>();
  const retired = new Set<string>();

  function ref(actorId: string): BreakerRef {
    const found = refs.get(actorId);
    if (!found) throw new Error(`unknown actor ${actorId}`);
    return found;
  }

  const waiting = new Map<string, CallSuccess[]>();
  let windowTimer: unknown = null;

  function send(actorId: string, event: BreakerEvent): void {
    if (!refs.has(actorId) && retired.has(actorId)) return;
    const target = ref(actorId);
    if (options.coalesce && event.type === 'call.succeeded' && !event.probe && target.getSnapshot().value === 'closed') {
      const { type: _type, probe: _probe, ...call } = event;
      const calls = waiting.get(actorId);
      if (calls) calls.push(call);
      else waiting.set(actorId, [call]);
      windowTimer ??= options.coalesce.clock.setTimeout(deliverAll, options.coalesce.windowMs);
      return;
    }
    deliverWaiting(actorId);
    deliver(actorId, target, event);
  }

  /** Hands an actor its waiting successes, if any, as one `calls.succeeded`. */
  function deliverWaiting(actorId: string): void {
    const calls = waiting.get(actorId);
    if (!calls) return;
    waiting.delete(actorId);
    if (refs.has(actorId)) deliver(actorId, ref(actorId), { type: 'calls.succeeded', at: calls.at(-1)!.at, calls });
  }

  function deliverAll(): void {
    if (windowTimer !== null) options.coalesce?.clock.clearTimeout(windowTimer);
    windowTimer = null;
    for (const actorId of [...waiting.keys()]) deliverWaiting(actorId);
  }

  function deliver(actorId: string, target: BreakerRef, event: BreakerEvent): void {
    const from = breakerState(target.getSnapshot().value);
    target.send(event);
    const after = viewOf(target);
    changes.next({ actorId, event, from, to: after.state, after });
  }

  return {
    get ids() {
      return [...refs.keys()];
    },
    get layout() {
      return root.getSnapshot().context.layout;
    },
    persisted(actorId) {
      deliverWaiting(actorId);
      return ref(actorId).getPersistedSnapshot();
    },
    view(actorId) {
      deliverWaiting(actorId);
      return viewOf(ref(actorId));
    },
    peek: (actorId) => viewOf(ref(actorId)),
    settle: deliverAll,
    send,
    changes$: changes.asObservable(),
    fleet$: fleet.asObservable(),
    reconcile(layout, at) {
      deliverAll();
      const current = root.getSnapshot().context.layout;
      const diff = diffLayout(current, layout);
      const report = reportOf(diff);
      root.send({ type: 'fleet.remove', ids: diff.remove });
      root.send({ type: 'fleet.update', inputs: diff.update });
      for (const input of diff.update) {
        send(input.id, { type: 'config.changed', at, policy: input.policy, credentials: input.credentials ?? [] });
      }
      for (const id of diff.remove) {
        refs.delete(id);
        retired.add(id);
      }
      root.send({ type: 'fleet.add', inputs: diff.add });
      for (const input of diff.add) {
        refs.set(input.id, root.system.get(input.id) as BreakerRef);
        retired.delete(input.id);
      }
      if (diff.add.length + diff.remove.length + diff.update.length > 0) fleet.next(root.getSnapshot().context.layout);
      return report;
    },
    stop() {
      deliverAll();
      changes.complete();
      fleet.complete();
      root.stop();
    },
  };
}

function viewOf(ref: BreakerRef): ActorView {
  const snapshot = ref.getSnapshot();
  return { state: breakerState(snapshot.value), context: snapshot.context };
}

interface PersistedRoot {
  readonly children: Record<string, { snapshot: Record<string, unknown> }>;
}

/**
 * Restoring a root restores its children from `snapshot.children` (spawn has no snapshot
 * option, and a restored root does not re-run the entry that spawns). So the root's
 * persisted snapshot is built here: a fresh root for this layout, computed but never started,
 * with each remembered child's value and context put in place of its fresh ones. Actors new
 * to the layout keep their fresh snapshot; actors absent from it are simply not there.
 */
function rootSnapshot(layout: readonly BreakerInput[], restored: ReadonlyMap<string, RestoredView>): Snapshot<unknown> {
  const template = createActor(supervisorMachine, { input: { layout } }).getPersistedSnapshot() as unknown as PersistedRoot;
  const children: PersistedRoot['children'] = {};
  for (const [id, child] of Object.entries(template.children)) {
    const view = restored.get(id);
    children[id] = view ? { ...child, snapshot: { ...child.snapshot, value: view.value, context: view.context } } : child;
  }
  return { ...template, children } as unknown as Snapshot<unknown>;
}
