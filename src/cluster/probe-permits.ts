import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { ActorTree } from '../actors/actor-tree.js';
import type { PermitHold, ProbePermits } from '../routing/types.js';
import type { RedisLink } from './redis-link.js';
import type { ClusterKeys } from './wire.js';

/**
 * Half-open probe permits for the whole cluster: an actor whose policy allows K probes has K
 * permit keys in Redis; one Lua script takes the first free one (SET NX PX: an owner and a
 * lease), atomically, so across every instance at most K probes are out. A permit goes back
 * when the attempt's outcome is known (a compare-and-delete script: only its owner frees it),
 * or by itself when its lease ends, so an instance that dies holding one does not wedge the
 * cluster.
 *
 * Only probing routes ask (half-open breakers: rare), and never for longer than `waitMs`:
 * when Redis is unreachable or slow the route goes ahead on the actor's local permit alone
 * (fail-open; at most K per instance, as without a cluster). A late grant is given back at once.
 */
const TAKE = `for i = 1, #KEYS do
  if redis.call('SET', KEYS[i], ARGV[1], 'NX', 'PX', ARGV[2]) then return i end
end
return 0`;

const GIVE_BACK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface ProbePermitOptions {
  readonly link: RedisLink;
  readonly keys: ClusterKeys;
  readonly tree: ActorTree;
  readonly instanceId: string;
  readonly waitMs: number;
  readonly leaseMs: number;
  readonly logger: Logger;
}

const LOCAL_ONLY: PermitHold = { release: () => undefined };

export function createProbePermits(options: ProbePermitOptions): ProbePermits {
  const { link, keys, tree } = options;
  let serial = 0;

  async function script(lua: string, keyList: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const sha = createHash('sha1').update(lua).digest('hex');
    try {
      return await link.commands.evalsha(sha, keyList.length, ...keyList, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return link.commands.eval(lua, keyList.length, ...keyList, ...args);
    }
  }

  /** The keys taken, one per actor, or null (and nothing kept) when one actor has no free permit. */
  async function takeAll(actorIds: readonly string[], owner: string): Promise<string[] | null> {
    const taken: string[] = [];
    for (const actorId of actorIds) {
      const count = tree.peek(actorId).context.policy.halfOpenProbes;
      const slots = Array.from({ length: count }, (_unused, i) => keys.permit(actorId, i + 1));
      const slot = Number(await script(TAKE, slots, [owner, options.leaseMs]));
      if (slot === 0) {
        giveBack(taken, owner);
        return null;
      }
      taken.push(slots[slot - 1]!);
    }
    return taken;
  }

  function giveBack(taken: readonly string[], owner: string): void {
    for (const key of taken) {
      script(GIVE_BACK, [key], [owner]).catch(() => undefined);
    }
  }

  return {
    take(actorIds) {
      if (!link.connected()) return Promise.resolve(LOCAL_ONLY);
      const owner = `${options.instanceId}:${++serial}`;
      const attempt = takeAll(actorIds, owner);
      return new Promise((resolve) => {
        let settled = false;
        const timer = setTimeout(() => {
          settled = true;
          options.logger.debug({ actors: actorIds }, 'cluster: no probe permit answer in time; probing on the local permit');
          resolve(LOCAL_ONLY);
        }, options.waitMs);
        attempt.then(
          (taken) => {
            clearTimeout(timer);
            if (settled) {
              if (taken) giveBack(taken, owner);
              return;
            }
            resolve(taken === null ? null : holdOf(taken, owner));
          },
          () => {
            clearTimeout(timer);
            resolve(LOCAL_ONLY);
          },
        );
      });
    },
  };

  function holdOf(taken: readonly string[], owner: string): PermitHold {
    let held = true;
    return {
      release() {
        if (!held) return;
        held = false;
        giveBack(taken, owner);
      },
    };
  }
}
