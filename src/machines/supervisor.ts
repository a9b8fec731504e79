import { assertEvent, assign, enqueueActions, setup } from 'xstate';
import { breakerMachine } from './breaker.js';
import type { BreakerInput } from './types.js';

/**
 * The root actor. It spawns one breaker actor per backend, BaseURL and credential pool named
 * in `layout`, each with its actor id as its system id, so the whole fleet is one actor system
 * (and one tree in the inspector). It holds no state of its own beyond the layout.
 * A config reload changes the fleet with `fleet.remove` (stop these ids), `fleet.update`
 * (changed inputs) and `fleet.add` (spawn these inputs); the layout in context follows, so a
 * persisted root restores the fleet.
 */
export interface SupervisorInput {
  readonly layout: readonly BreakerInput[];
}

export interface SupervisorContext {
  readonly layout: readonly BreakerInput[];
}

export type SupervisorEvent =
  | { type: 'fleet.add'; inputs: readonly BreakerInput[] }
  | { type: 'fleet.remove'; ids: readonly string[] }
  /** Record changed inputs in the layout (the actors themselves hear `config.changed`). */
  | { type: 'fleet.update'; inputs: readonly BreakerInput[] };

export const supervisorMachine = setup({
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- xstate infers the machine's types from this assertion
  types: {} as { context: SupervisorContext; input: SupervisorInput; events: SupervisorEvent },
  actors: { breaker: breakerMachine },
  actions: {
    spawnFleet: enqueueActions(({ context, enqueue }) => {
      for (const input of context.layout) enqueue.spawnChild('breaker', { id: input.id, systemId: input.id, input });
    }),
    spawnAdded: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'fleet.add');
      for (const input of event.inputs) enqueue.spawnChild('breaker', { id: input.id, systemId: input.id, input });
      enqueue.assign({ layout: [...context.layout, ...event.inputs] });
    }),
    recordUpdated: assign(({ context, event }) => {
      assertEvent(event, 'fleet.update');
      const changed = new Map(event.inputs.map((input) => [input.id, input]));
      return { layout: context.layout.map((input) => changed.get(input.id) ?? input) };
    }),
    stopRemoved: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'fleet.remove');
      for (const id of event.ids) enqueue.stopChild(id);
      const gone = new Set(event.ids);
      enqueue.assign({ layout: context.layout.filter((input) => !gone.has(input.id)) });
    }),
  },
}).createMachine({
  id: 'fusebox',
  context: ({ input }) => ({ layout: input.layout }),
  initial: 'running',
  states: {
    running: {
      entry: 'spawnFleet',
      on: {
        'fleet.add': { actions: 'spawnAdded' },
        'fleet.remove': { actions: 'stopRemoved' },
        'fleet.update': { actions: 'recordUpdated' },
      },
    },
  },
});
