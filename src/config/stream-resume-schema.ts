import { z } from 'zod';

/**
 * Stream resume settings (docs/stream-resume.md): `streams.resume` turns the feature on or off
 * for the whole gateway; a backend's `continuation` says how an answer broken elsewhere may be
 * continued there, in the order to try: `prefill` (the partial answer as the last assistant
 * message), `instruction` (the partial as an assistant turn plus a short user message asking to
 * continue). `[]` keeps continuations off that backend. Either a list for every model, or
 * `{ strategies, models }` where `models` maps model names or globs to their own list.
 */
export const CONTINUATION_STRATEGIES = ['prefill', 'instruction'] as const;

const strategies = z.array(z.enum(CONTINUATION_STRATEGIES)).refine((list) => new Set(list).size === list.length, {
  error: 'each strategy at most once',
});

const DEFAULT_STRATEGIES: ('prefill' | 'instruction')[] = ['prefill', 'instruction'];

export const continuationSchema = z.preprocess(
  (value) => (Array.isArray(value) ? { strategies: value } : value),
  z
    .object({
      strategies: strategies.default(DEFAULT_STRATEGIES),
      models: z.record(z.string().min(1), strategies).default({}),
    })
    .strict()
    .prefault({}),
);

export const streamsSchema = z
  .object({
    /** Continue a stream that broke after its first byte on another route, in the same client stream. */
    resume: z.boolean().default(true),
  })
  .strict();
