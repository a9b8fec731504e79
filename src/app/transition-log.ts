import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import type { ActorTree } from '../actors/actor-tree.js';

/**
 * One info line per breaker transition of any actor: `breaker transition` with the actor id,
 * `from` and `to` (closed, half_open, open) and the machine's reason. Ids and codes only: an
 * actor's context holds no secret.
 */
export function logTransitions(tree: ActorTree, logger: Logger): Subscription {
  return tree.changes$.subscribe((change) => {
    if (change.from === change.to) return;
    const reason = change.after.context.lastTransition?.reason ?? change.event.type;
    logger.info({ actor: change.actorId, from: change.from, to: change.to, reason }, 'breaker transition');
  });
}
