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
   * One job, start to end, as a single promise that never rejects: the handler's result goes
   * to onDone, any error (of the handler or of onDone) to onError; when it settles the job
   * leaves the counts and the oldest queued job, if any, takes its place.
   */
  async function run(job: Job, generation: RoutingGeneration): Promise<void> {
    running += 1;
    try {
      options.onDone(job, await options.handle(job, generation));
    } catch (error) {
      options.onError(job, error);
    } finally {
      running -= 1;
      accepted -= 1;
      startNext();
      if (accepted === 0) for (const resolve of idle.splice(0)) resolve();
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
    void run(next.job, next.generation);
  }

  return {
    submit(job, generation) {
      if (closed || accepted >= capacity) return false;
      accepted += 1;
      if (running < options.maxConcurrent) void run(job, generation);
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
