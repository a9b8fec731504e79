import type { ActorTree } from '../actors/actor-tree.js';
import type { Mutable } from '../shared/mutable.js';
import type { Clock } from '../shared/clock.js';
import type { AttemptResult } from './attempt.js';
import type { BackendSlots } from './backend-slots.js';
import { contextHold, emptyContextState, takeContextFallback, type ContextState, type UpstreamErrorReader } from './context-fallback.js';
import { jobForModel } from './fallback-job.js';
import { plannableTable, type RoutingGeneration } from './generation.js';
import { chooseRoute, emptyMemory, type Considered, type Route, type Skip } from './plan.js';
import { NO_MEMORY, remember as rememberIn, type WritableMemory } from './request-memory.js';
import type { Random } from './random.js';
import { attemptAndReport, backendDeadline, guardedDepsPerGeneration, type GuardedAttemptDeps } from './guarded-attempt.js';
import { brokenLast, codeOf, finalError, gatewayHeaders, note, type AttemptNote, type OutcomeCode, type RequestSummary } from './request-notes.js';
import { allowRetry, emptySameModelState, noteFailure, waitBeforeSwitching, type SameModelState } from './same-model-retry.js';
import type { Job, ProbePermits } from './types.js';
import { sleep } from './sleep.js';
import { httpCode } from '../shared/upstream-code.js';
import { continuationFor, noteContinuation, resumeAfter, sameRouteLater, sameRouteWait, unresumed, type Resumption } from './stream-resume.js';

export { gatewayHeaders, type AttemptNote, type RequestSummary } from './request-notes.js';

/**
 * Serves one client request: choose a route, attempt it, tell the actors, and fail over to
 * the next route until one answers, `maxAttempts` is spent, or the retry budget says stop.
 * When every route is resting but one recovers within `waitForRecoveryMs`, waits for it.
 * The table, transport and those settings come from the generation the request was admitted
 * with, and only from it (see generation.ts). Returns what happened, for the request's log line.
 */

/** What lives as long as the gateway; what a reload changes is in the request's generation. */
export interface HandlerDeps {
  readonly tree: ActorTree;
  readonly random: Random;
  readonly clock: Clock;
  /** Per-backend concurrency caps; a full backend is skipped, not failed. */
  readonly slots?: BackendSlots;
  /** Recognises context-length errors by protocol; absent: no context fallback. */
  readonly errorKinds?: UpstreamErrorReader;
  /**
   * Whether to record the route decisions (`skipped`, `considered`) in the summary; asked once
   * per plan. The gateway passes "is the debug log on"; absent: always record.
   */
  readonly explain?: () => boolean;
  /** Probe permits shared with other instances (a cluster; see guarded-attempt.ts). */
  readonly permits?: ProbePermits;
}

/** The shortest wait for recovery, so a deadline that has just passed cannot spin the loop. */
const MIN_WAIT_MS = 10;

/** One request's progress through the attempt loop. */
interface Run {
  readonly job: Job;
  readonly generation: RoutingGeneration;
  /** What each attempt needs: the generation's transport and limits, the gateway's actors and clock. */
  readonly guarded: GuardedAttemptDeps;
  /** What this request must not try again; null until it first has something to remember. */
  memory: WritableMemory | null;
  /** The job rewritten for a fallback pool's model, per model (null until the first fallback). */
  jobs: Map<string, Job> | null;
  readonly attempts: AttemptNote[];
  /** The last plan's route decisions. */
  skipped: readonly Skip[];
  considered: readonly Considered[];
  retryAfterMs: number | null;
  lastCode: OutcomeCode | null;
  waitedMs: number;
  budgetExhausted: boolean;
  readonly context: ContextState;
  readonly sameModel: SameModelState;
  sameModelWaitMs: number;
  /** Set once a committed stream broke with an answer that can be continued (stream-resume.ts). */
  resumption: Resumption | null;
}

/** A pause before planning again: for a recovery, or before a same-model retry. */
interface Pause {
  readonly waitMs: number;
  readonly sameModel: boolean;
}

const NONE: readonly never[] = Object.freeze([]);

export function createRequestHandler(deps: HandlerDeps): (job: Job, generation: RoutingGeneration) => Promise<RequestSummary> {
  const guardedFor = guardedDepsPerGeneration(deps);
  return async function handleRequest(job, generation) {
    const arrived = deps.clock.now();
    generation.retryBudget.recordRequest(arrived);
    const run: Run = {
      job,
      generation,
      guarded: guardedFor(generation),
      memory: null,
      jobs: null,
      attempts: [],
      skipped: NONE,
      considered: NONE,
      retryAfterMs: null,
      lastCode: null,
      waitedMs: 0,
      budgetExhausted: false,
      context: emptyContextState(),
      sameModel: emptySameModelState(),
      sameModelWaitMs: 0,
      resumption: null,
    };
    // `now` is read once per turn (each `continue` reads it again): planning, the deadline check and the attempt's start share it.
    for (let now = arrived; run.attempts.length < generation.maxAttempts && !job.signal.aborted; now = deps.clock.now()) {
      // Planning, taking probe permits and sending happen in one synchronous stretch, so
      // concurrent requests never see the same free permit (exactly K probes).
      const route = nextRoute(run, deps, now);
      if (route === null) break;
      if ('waitMs' in route) {
        await pause(run, deps, route);
        continue;
      }
      if (now >= backendDeadline(job, route)) {
        skipPastDeadline(run, route);
        continue;
      }
      const routeJob = route.upstreamModel === job.model ? job : jobForModel(job, route.upstreamModel, (run.jobs ??= new Map<string, Job>()));
      const continuing = run.resumption ? continuationFor(run.resumption, routeJob, route) : null;
      if (run.resumption && continuing === null) {
        skipBackend(run, route);
        continue;
      }
      const hold = contextHold(deps.errorKinds, run.generation.table.pools, route, run.context);
      if (deps.slots && !deps.slots.tryTake(route.backend)) {
        skipBackend(run, route); // full: not a failure, but not for this request any more
        continue;
      }
      const started = now;
      for (const actorId of route.probes) deps.tree.send(actorId, { type: 'probe.start', at: started });
      let result: AttemptResult;
      try {
        result = await attemptAndReport(routeJob, route, run.attempts.length + 1, run.guarded, hold, continuing);
      } finally {
        deps.slots?.give(route.backend);
      }
      if (result.permitTaken) {
        skipBackend(run, route); // another instance probes it: unblamed, for the rest of the request
        continue;
      }
      const broke = result.brokeMidStream;
      run.attempts.push(note(route, broke ? { kind: 'endpoint_failure', code: broke } : result.outcome, deps.clock.now() - started));
      if (run.resumption && continuing) noteContinuation(run.resumption, route, continuing, result);
      if (broke && result.partial) {
        run.resumption = resumeAfter(run.resumption, route, (run.lastCode = broke), result.partial);
        sameRouteLater(run.sameModel, route, deps.clock.now(), run.generation.sameModelRetry, deps.random);
        rememberIn({ kind: 'endpoint_failure', code: broke }, route, () => writable(run));
        continue;
      }
      if (result.answered) return answered(run, route, result);
      if (result.outcome.kind === 'cancelled') break;
      run.lastCode = codeOf(result.outcome);
      afterFailure(run, route, result, deps);
    }
    return failed(run);
  };
}

/**
 * The next route; or a pause before planning again (a recovery, or a same-model retry before
 * switching models); or null to stop: nothing is available and waiting is off or too long,
 * or the retry budget is spent.
 */
function nextRoute(run: Run, deps: HandlerDeps, now: number): Route | Pause | null {
  // The hot path reads actors without waiting for their last few ms of routine successes.
  const read = (actorId: string) => deps.tree.peek(actorId);
  const explain = deps.explain ? deps.explain() : true;
  const table = plannableTable(run.generation);
  const steps = run.context.steps ?? undefined;
  const choice = chooseRoute(run.job, run.job.model, table, read, now, deps.random, run.memory ?? NO_MEMORY, explain, steps);
  run.skipped = choice.skipped;
  run.considered = choice.considered;
  if (!choice.route) {
    const again = run.resumption ? sameRouteWait(run.sameModel, now) : null;
    if (again !== null) return { waitMs: again, sameModel: true };
    const wait = waitFor(choice.retryAfterMs, run.waitedMs, run.generation.waitForRecoveryMs);
    if (wait === null) run.retryAfterMs = choice.retryAfterMs;
    return wait === null ? null : { waitMs: wait, sameModel: false };
  }
  const sameModelWait = waitBeforeSwitching(run.sameModel, choice.route, now, backendDeadline(run.job, choice.route), read);
  if (sameModelWait !== null) return { waitMs: sameModelWait, sameModel: true };
  if (run.attempts.length > 0 && !run.generation.retryBudget.tryRetry(now)) {
    run.budgetExhausted = true;
    return null;
  }
  return choice.route;
}

/**
 * Sleeps, then lets this request try again what rate limits ruled out (a recovery), or the
 * one failed route a same-model retry is for.
 */
async function pause(run: Run, deps: HandlerDeps, { waitMs, sameModel }: Pause): Promise<void> {
  if (waitMs > 0) await sleep(deps.clock, waitMs, run.job.signal);
  if (sameModel) {
    run.sameModelWaitMs += waitMs;
    allowRetry(run.sameModel, writable(run));
    return;
  }
  run.waitedMs += waitMs;
  run.memory?.rateLimited.clear();
  run.memory?.sticky.clear();
}

/** The request's own memory, made on its first write. */
const writable = (run: Run): WritableMemory => (run.memory ??= emptyMemory());

/**
 * A backend whose own deadline has passed is skipped for the rest of the request, unblamed;
 * the request goes on with the backends whose deadline is later (see docs/routing.md).
 */
function skipPastDeadline(run: Run, route: Route): void {
  skipBackend(run, route);
  run.lastCode ??= 'timeout_total';
}

/** A backend this request does not try again (its deadline passed, no continuation left, another instance probes it). */
function skipBackend(run: Run, route: Route): void {
  const { excluded } = writable(run);
  for (const actorId of route.backend.baseUrlActorIds) excluded.add(actorId);
}

/** After an unanswered attempt: take the context fallback, or remember what failed. */
function afterFailure(run: Run, route: Route, result: AttemptResult, deps: HandlerDeps): void {
  if (result.held) {
    const held = { ...result.held, headers: result.headers ?? {}, backend: route.backend.config.id };
    const pools = run.generation.table.pools;
    takeContextFallback(run.context, pools, route, pools.poolOf(run.job.model), held);
    run.sameModel.pending = null;
    return;
  }
  rememberIn(result.outcome, route, () => writable(run));
  noteFailure(run.sameModel, route, result.outcome, deps.clock.now(), run.generation.sameModelRetry, deps.random);
}

function answered(run: Run, route: Route, result: AttemptResult): RequestSummary {
  const broke = result.brokeMidStream;
  const summary: Mutable<RequestSummary> = {
    status: result.status ?? 200,
    outcome: broke && !result.closedAfterBreak ? 'broken_stream' : codeOf(result.outcome),
    backend: route.backend.config.id,
    attempts: broke ? brokenLast(run.attempts, broke) : run.attempts,
    skipped: run.skipped,
    considered: run.considered,
  };
  if (route.fallback) summary.fallback = route.fallback;
  if (result.usage) summary.usage = result.usage;
  if (run.resumption) summary.resumed = run.resumption.notes;
  return withWaits(summary, run);
}

/** `summary` with the request's waits, those it had. */
function withWaits(summary: Mutable<RequestSummary>, run: Run): RequestSummary {
  if (run.waitedMs > 0) summary.waitedMs = run.waitedMs;
  if (run.sameModelWaitMs > 0) summary.sameModelWaitMs = run.sameModelWaitMs;
  return summary;
}

function failed(run: Run): RequestSummary {
  const { job, attempts } = run;
  if (job.signal.aborted) return { status: 499, outcome: 'client_cancelled', backend: null, attempts, error: 'client_cancelled' };
  if (run.resumption) return withWaits({ ...unresumed(job, run.resumption, attempts), skipped: run.skipped, considered: run.considered }, run);
  const held = run.context.held;
  if (held) {
    // The context fallback gave no answer: the client gets the upstream's own 4xx.
    job.sink.respond(held.status, held.headers, gatewayHeaders(attempts.length, held.backend), held.body);
    return withWaits(
      { status: held.status, outcome: httpCode(held.status), backend: held.backend, attempts, skipped: run.skipped, considered: run.considered },
      run,
    );
  }
  const error = finalError(attempts, run.lastCode, run.retryAfterMs, run.budgetExhausted);
  job.sink.fail(error, gatewayHeaders(attempts.length, null));
  const summary: Mutable<RequestSummary> = {
    status: error.status,
    outcome: error.code,
    backend: null,
    attempts,
    error: error.code,
    skipped: run.skipped,
    considered: run.considered,
  };
  if (run.budgetExhausted) summary.retryBudgetExhausted = true;
  return withWaits(summary, run);
}

/** How long to wait for the earliest recovery, or null when it is too far (or unknown). */
function waitFor(retryAfterMs: number | null, waitedMs: number, limitMs: number): number | null {
  if (retryAfterMs === null || limitMs <= 0) return null;
  const wait = Math.max(MIN_WAIT_MS, retryAfterMs);
  return waitedMs + wait <= limitMs ? wait : null;
}
