import type { RoutingGeneration } from './generation.js';
import type { Job } from './types.js';

/**
 * The request pipeline: jobs enter `submit`, each with the generation it was admitted with
 * (see generation.ts), run at most `maxConcurrent` at a time, and wait in a bounded FIFO queue
 * beyond that. A job refused because the queue is full is the caller's to answer (503 at
 * once). Each job's own failure is caught where it runs, so one bad request never stops the
 * pipeline. Admission is two counters and a queue: a job that starts at once allocates nothing
 * but its own run; only a queued job takes a queue entry.
 */
export interface Pipeline {
  /** False when the queue is full: the job was not taken. */
  submit(job: Job, generation: RoutingGeneration): boolean;
  /** Jobs accepted and not yet finished: running and queued. */
  readonly inFlight: number;
  /** Resolves when every accepted job has finished. */
  drain(): Promise<void>;
  /** Starts no further job; queued jobs are dropped (the server has stopped taking requests). */
  close(): void;
}

export interface PipelineOptions<R> {
  readonly maxConcurrent: number;
  readonly maxQueued: number;
  readonly handle: (job: Job, generation: RoutingGeneration) => Promise<R>;
  readonly onDone: (job: Job, result: R) => void;
  readonly onError: (job: Job, error: unknown) => void;
  /** Called once per job that ran, after onDone or onError, even when they throw. */
  readonly onEnd?: (job: Job, generation: RoutingGeneration) => void;
}

interface Queued {
  readonly job: Job;
  readonly generation: RoutingGeneration;
}

/** Past this many spent entries at the queue's head, the queue array is compacted. */
const COMPACT_AFTER = 1024;

export function createPipeline<R>(options: PipelineOptions<R>): Pipeline {
  const capacity = options.maxConcurrent + options.maxQueued;
  let accepted = 0;
  let running = 0;
  let queue: (Queued | undefined)[] = [];
  let head = 0;
  let closed = false;
  let idle: (() => void)[] = [];

  /**
   * One job, start to end, never throwing: the handler's result goes to onDone, any error (of
   * the handler or of onDone) to onError; when it settles the job leaves the counts and the
   * oldest queued job, if any, takes its place. One `then` on the handler's promise, no more.
   */
  function run(job: Job, generation: RoutingGeneration): void {
    running += 1;
    let result: Promise<R>;
    try {
      result = options.handle(job, generation);
    } catch (error) {
      ended(job, generation, error, true);
      return;
    }
    void result.then(
      (value) => {
        try {
          options.onDone(job, value);
          ended(job, generation, undefined, false);
        } catch (error) {
          ended(job, generation, error, true);
        }
      },
      (error: unknown) => ended(job, generation, error, true),
    );
  }

  function ended(job: Job, generation: RoutingGeneration, error: unknown, failed: boolean): void {
    try {
      if (failed) options.onError(job, error);
    } finally {
      running -= 1;
      accepted -= 1;
      try {
        options.onEnd?.(job, generation);
      } finally {
        startNext();
        if (accepted === 0) for (const resolve of idle.splice(0)) resolve();
      }
    }
  }

  function startNext(): void {
    if (closed || head === queue.length) return;
    const next = queue[head]!;
    queue[head] = undefined;
    head += 1;
    if (head === queue.length) {
      queue = [];
      head = 0;
    } else if (head >= COMPACT_AFTER) {
      queue = queue.slice(head);
      head = 0;
    }
    run(next.job, next.generation);
  }

  return {
    submit(job, generation) {
      if (closed || accepted >= capacity) return false;
      accepted += 1;
      if (running < options.maxConcurrent) run(job, generation);
      else queue.push({ job, generation });
      return true;
    },
    get inFlight() {
      return accepted;
    },
    drain() {
      return accepted === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve));
    },
    close() {
      closed = true;
      accepted -= queue.length - head;
      queue = [];
      head = 0;
      idle = [];
    },
  };
}
