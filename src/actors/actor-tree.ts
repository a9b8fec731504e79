import { createActor, type ActorRefFrom, type InspectionEvent } from 'xstate';
import { Subject, type Observable } from 'rxjs';
import { breakerMachine, type BreakerContext, type BreakerInput, type BreakerState } from '../machines/breaker.js';
import type { BreakerEvent } from '../machines/events.js';
import { supervisorMachine } from '../machines/supervisor.js';

/**
 * The living actor system: one supervisor and its breaker actors. All events reach actors
 * through `send`, which publishes each one on `changes$` with the states before and after,
 * so recorders, metrics and the admin feed see exactly what the actors saw.
 */
export interface ActorView {
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
  view(actorId: string): ActorView;
  send(actorId: string, event: BreakerEvent): void;
  readonly changes$: Observable<ActorChange>;
  stop(): void;
}

type BreakerRef = ActorRefFrom<typeof breakerMachine>;

export interface ActorTreeOptions {
  readonly layout: readonly BreakerInput[];
  /** Passed to XState's `createActor` (the Stately inspector, when enabled). */
  readonly inspect?: (event: InspectionEvent) => void;
}

export function createActorTree(options: ActorTreeOptions): ActorTree {
  const root = createActor(supervisorMachine, {
    input: { layout: options.layout },
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

  function ref(actorId: string): BreakerRef {
    const found = refs.get(actorId);
    if (!found) throw new Error(`unknown actor ${actorId}`);
    return found;
  }

  return {
    ids: [...refs.keys()],
    view(actorId) {
      const snapshot = ref(actorId).getSnapshot();
      return { state: snapshot.value as BreakerState, context: snapshot.context };
    },
    send(actorId, event) {
      const target = ref(actorId);
      const from = target.getSnapshot().value as BreakerState;
      target.send(event);
      const after = target.getSnapshot();
      changes.next({
        actorId,
        event,
        from,
        to: after.value as BreakerState,
        after: { state: after.value as BreakerState, context: after.context },
      });
    },
    changes$: changes.asObservable(),
    stop() {
      changes.complete();
      root.stop();
    },
  };
}
