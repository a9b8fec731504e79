import type { Subscription } from 'rxjs';
import { mergeMap, Subject } from './rx.js';
import type { RoutingGeneration } from './generation.js';
import type { Job } from './types.js';

/**
 * The request pipeline: jobs enter `submit`, each with the generation it was admitted with
 * (see generation.ts), run at most `maxConcurrent` at a time, and wait in a bounded queue
 * beyond that. A job refused because the queue is full is the caller's to answer (503 at
 * once). Each job's own failure is caught inside its inner pipe, so one bad request never
 * ends the stream.
 */
export interface Pipeline {
  /** False when the queue is full: the job was not taken. */
  submit(job: Job, generation: RoutingGeneration): boolean;
  readonly inFlight: number;
  /** Resolves when every accepted job has finished. */
  drain(): Promise<void>;
  close(): void;
}

export interface PipelineOptions<R> {
  readonly maxConcurrent: number;
  readonly maxQueued: number;
  readonly handle: (job: Job, generation: RoutingGeneration) => Promise<R>;
  readonly onDone: (job: Job, result: R) => void;
  readonly onError: (job: Job, error: unknown) => void;
}

interface Admitted {
  readonly job: Job;
  readonly generation: RoutingGeneration;
}

export function createPipeline<R>(options: PipelineOptions<R>): Pipeline {
  const jobs$ = new Subject<Admitted>();
  let accepted = 0;
  let idle: (() => void)[] = [];

  /**
   * One job, start to end, as a single promise that never rejects: the handler's result goes
   * to onDone, any error (of the handler or of onDone) to onError, and the job leaves the
   * count when it settles. One promise per job instead of an operator chain per job.
   */
  async function run({ job, generation }: Admitted): Promise<void> {
    try {
      options.onDone(job, await options.handle(job, generation));
    } catch (error) {
      options.onError(job, error);
    } finally {
      accepted -= 1;
      if (accepted === 0) for (const resolve of idle.splice(0)) resolve();
    }
  }

  const subscription: Subscription = jobs$.pipe(mergeMap(run, options.maxConcurrent)).subscribe();

  return {
    submit(job, generation) {
      if (accepted >= options.maxConcurrent + options.maxQueued) return false;
      accepted += 1;
      jobs$.next({ job, generation });
      return true;
    },
    get inFlight() {
      return accepted;
    },
    drain() {
      return accepted === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve));
    },
    close() {
      jobs$.complete();
      subscription.unsubscribe();
      idle = [];
    },
  };
}
