import { assign, setup } from 'xstate';
import { breakerMachine, type BreakerInput } from './breaker.js';

/**
 * The root actor. It spawns one breaker actor per backend, BaseURL and credential pool named
 * in `layout`, each with its actor id as its system id, so the whole fleet is one actor system
 * (and one tree in the inspector). It holds no state of its own beyond the layout.
 */
export interface SupervisorInput {
  readonly layout: readonly BreakerInput[];
}

export interface SupervisorContext {
  readonly layout: readonly BreakerInput[];
}

export const supervisorMachine = setup({
  types: {} as { context: SupervisorContext; input: SupervisorInput },
  actors: { breaker: breakerMachine },
  actions: {
    spawnFleet: assign(({ context, spawn }) => {
      for (const input of context.layout) spawn('breaker', { id: input.id, systemId: input.id, input });
      return {};
    }),
  },
}).createMachine({
  id: 'fusebox',
  context: ({ input }) => ({ layout: input.layout }),
  initial: 'running',
  states: {
    running: { entry: 'spawnFleet' },
  },
});
