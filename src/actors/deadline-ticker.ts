import type { Subscription } from 'rxjs';
import type { ActorTree } from './actor-tree.js';
import type { Clock } from '../shared/clock.js';

/**
 * Sends `clock.tick` to every open actor when its `openUntil` deadline comes, so a breaker
 * goes half_open on time even when no request asks for it. One timer per open actor.
 */
export interface DeadlineTicker {
  stop(): void;
}

export function startDeadlineTicker(tree: ActorTree, clock: Clock): DeadlineTicker {
  const timers = new Map<string, { until: number; handle: unknown }>();

  function schedule(actorId: string): void {
    const { state, context } = tree.view(actorId);
    const existing = timers.get(actorId);
    // Under active recovery the deadline lets nothing go half_open (recovery probes decide): no tick.
    const until = state === 'open' && !context.policy.activeRecovery ? context.openUntil : null;
    if (existing && existing.until === until) return;
    if (existing) {
      clock.clearTimeout(existing.handle);
      timers.delete(actorId);
    }
    if (until === null) return;
    const handle = clock.setTimeout(
      () => {
        timers.delete(actorId);
        tree.send(actorId, { type: 'clock.tick', at: Math.max(clock.now(), until) });
      },
      Math.max(0, until - clock.now()),
    );
    timers.set(actorId, { until, handle });
  }

  for (const id of tree.ids) schedule(id);
  const subscription: Subscription = tree.changes$.subscribe((change) => schedule(change.actorId));
  return {
    stop() {
      subscription.unsubscribe();
      for (const { handle } of timers.values()) clock.clearTimeout(handle);
      timers.clear();
    },
  };
}
