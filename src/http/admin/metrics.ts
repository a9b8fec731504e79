import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, counterSeries, histogramSeries } from './prom-parts.js';
import type { CounterSeries, HistogramSeries } from './prom-parts.js';
import type { Subscription } from 'rxjs';
import type { ActorChange, ActorTree } from '../../actors/actor-tree.js';
import type { Clock } from '../../shared/clock.js';
import { remainingRatio } from '../../machines/credentials.js';
import { healthScore } from '../../machines/health.js';
import type { RequestSummary } from '../../routing/handle-request.js';
import type { Job } from '../../routing/types.js';
import { credentialList } from '../../machines/breaker.js';
import type { FuseboxError } from '../../shared/errors.js';
import { boundedLabels, CacheBudget, Memo } from '../../shared/bounded-labels.js';
import { createTokenMetrics } from './token-metrics.js';
import { createEventLoopLag } from './event-loop-lag.js';
import { createRouteLabels } from './route-labels.js';
import type { ClusterView } from '../../shared/cluster-view.js';

/**
 * Prometheus metrics (GET /metrics), one registry per gateway. Request metrics come from each
 * request's summary; breaker transitions and upstream time to first byte from the actors'
 * event stream; breaker states, health scores, cooldowns and quotas are read from the actors'
 * snapshots at scrape time. Labels carry ids only (backend, actor, credential id), never a
 * secret. Client-chosen model names are capped at MAX_MODELS distinct labels ("other" after).
 */
export interface Metrics {
  /** One finished request; `ms` from its arrival to its end. */
  observeRequest(job: Pick<Job, 'protocol' | 'upstreamPath' | 'model' | 'clientKey'>, summary: RequestSummary, ms: number): void;
  /** A request the front door refused before routing (route, model and backend `none`; outcome: the error code). */
  observeRefused(error: FuseboxError): void;
  render(): Promise<string>;
  readonly contentType: string;
  close(): void;
}

export const BREAKER_STATE_VALUE: Readonly<Record<string, number>> = { closed: 0, half_open: 1, open: 2 };
const MAX_MODELS = 100;
/**
 * Series kept resolved per gateway, over all metrics (a tree node each, see Memo). Their label
 * values are ids from the config, codes and models bounded by MAX_MODELS, so a gateway keeps far
 * fewer; the bound holds whatever a config or its reloads bring (pools of thousands of
 * credentials in the token series). Past it a new combination is counted through a series made
 * for the call, as correct and as costly as prom-client's own `inc(labels)`.
 */
const MAX_SERIES_KEPT = 50_000;
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export function createMetrics(tree: ActorTree, clock: Clock, cluster?: ClusterView): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics(registry);
  const lag = createEventLoopLag(registry, clock);
  const requests = new Counter({
    name: 'fusebox_requests_total',
    help: 'Client requests by route, model, backend that answered ("none" if none), status and outcome (success, broken_stream, unauthorized, ...).',
    labelNames: ['route', 'model', 'backend', 'status', 'outcome'],
    registers,
  });
  const duration = new Histogram({
    name: 'fusebox_request_duration_seconds',
    help: 'Client request latency, from arrival to the end of the answer.',
    labelNames: ['route', 'backend'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const attempts = new Counter({
    name: 'fusebox_upstream_attempts_total',
    help: 'Upstream attempts by backend and outcome (success, http_503, connect_refused, ...).',
    labelNames: ['backend', 'outcome'],
    registers,
  });
  const failovers = new Counter({
    name: 'fusebox_failovers_total',
    help: 'Attempts that failed and were followed by another attempt, by the backend that failed.',
    labelNames: ['backend'],
    registers,
  });
  const attemptSeconds = new Histogram({
    name: 'fusebox_upstream_duration_seconds',
    help: 'Upstream attempt latency (total, to the end of the attempt) by backend and outcome.',
    labelNames: ['backend', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const ttfb = new Histogram({
    name: 'fusebox_upstream_ttfb_seconds',
    help: 'Upstream time to first byte of successful attempts, by backend.',
    labelNames: ['backend'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const transitions = new Counter({
    name: 'fusebox_breaker_transitions_total',
    help: 'Breaker state transitions by actor, from and to.',
    labelNames: ['actor', 'from', 'to'],
    registers,
  });
  const cooldowns = new Counter({
    name: 'fusebox_credential_cooldowns_total',
    help: 'Times a credential was put to rest (rate limited), by pool and credential id.',
    labelNames: ['pool', 'credential'],
    registers,
  });
  const resumes = new Counter({
    name: 'fusebox_stream_resumes_total',
    help: 'Continuations of broken streams, by the backend asked to continue, strategy and result (completed, broken, refused, failed).',
    labelNames: ['backend', 'strategy', 'result'],
    registers,
  });
  snapshotGauges(tree, clock, registers);
  if (cluster) clusterGauges(cluster, registers);

  const modelLabel = boundedLabels(MAX_MODELS);
  const budget = new CacheBudget(MAX_SERIES_KEPT);
  const memo = <K, V extends object>(make: (key: K) => V) => new Memo(budget, make);
  const tokens = createTokenMetrics(registers, modelLabel, budget);
  const subscription = observeActorEvents(tree, {
    transitions: memo((actor: string) => memo((from: string) => memo((to: string) => counterSeries(transitions, { actor, from, to })))),
    ttfb: memo((actorId: string) => histogramSeries(ttfb, { backend: actorId.slice('backend:'.length) })),
    cooldowns: memo((pool: string) => memo((credential: string) => counterSeries(cooldowns, { pool, credential }))),
  });
  const routeLabels = createRouteLabels();
  // Series trees, one level per label (see Memo): route, model, backend, status, outcome.
  const requestSeries = memo((route: string) =>
    memo((model: string) =>
      memo((backend: string) =>
        memo((status: number) => memo((outcome: string) => counterSeries(requests, { route, model, backend, status: String(status), outcome }))),
      ),
    ),
  );
  const durationSeries = memo((route: string) => memo((backend: string) => histogramSeries(duration, { route, backend })));
  const attemptSeries = memo((backend: string) =>
    memo((outcome: string) => {
      const labels = { backend, outcome };
      return { count: counterSeries(attempts, labels), seconds: histogramSeries(attemptSeconds, labels) };
    }),
  );
  const failoverSeries = memo((backend: string) => counterSeries(failovers, { backend }));
  const resumeSeries = memo((backend: string) =>
    memo((strategy: string) => memo((result: string) => counterSeries(resumes, { backend, strategy, result }))),
  );

  return {
    observeRequest(job, summary, ms) {
      lag.touch();
      const route = routeLabels.get(job.protocol).get(job.upstreamPath);
      const backend = summary.backend ?? 'none';
      requestSeries.get(route).get(modelLabel(job.model)).get(backend).get(summary.status).get(summary.outcome).inc();
      durationSeries
        .get(route)
        .get(backend)
        .observe(Math.max(0, ms) / 1000);
      const last = summary.attempts.length - 1;
      for (let index = 0; index <= last; index++) {
        const attempt = summary.attempts[index]!;
        const series = attemptSeries.get(attempt.backend).get(attempt.outcome);
        series.count.inc();
        series.seconds.observe(attempt.ms / 1000);
        if (index < last) failoverSeries.get(attempt.backend).inc();
      }
      const resumed = summary.resumed;
      if (resumed !== undefined) for (const r of resumed) resumeSeries.get(r.backend).get(r.strategy).get(r.result).inc();
      tokens.observe(job, summary);
    },
    observeRefused(error) {
      lag.touch();
      requestSeries.get('none').get('none').get('none').get(error.status).get(error.code).inc();
    },
    render: () => {
      tree.settle();
      return registry.metrics();
    },
    contentType: registry.contentType,
    close() {
      subscription.unsubscribe();
      lag.close();
      registry.clear();
    },
  };
}

/** Series of the metrics fed by the actors' event stream, by their labels (ttfb by backend actor id). */
interface ActorSeries {
  readonly transitions: Memo<string, Memo<string, Memo<string, CounterSeries>>>;
  readonly ttfb: Memo<string, HistogramSeries>;
  readonly cooldowns: Memo<string, Memo<string, CounterSeries>>;
}

/** Metrics fed by the actors' event stream: transitions, time to first byte, cooldowns. */
function observeActorEvents(tree: ActorTree, m: ActorSeries): Subscription {
  return tree.changes$.subscribe((change: ActorChange) => {
    const { event } = change;
    if (change.from !== change.to) m.transitions.get(change.actorId).get(change.from).get(change.to).inc();
    if (change.after.context.role === 'backend' && (event.type === 'call.succeeded' || event.type === 'calls.succeeded')) {
      const ttfb = m.ttfb.get(change.actorId);
      if (event.type === 'call.succeeded') {
        if (event.latencyMs !== undefined) ttfb.observe(event.latencyMs / 1000);
      } else {
        for (const call of event.calls) if (call.latencyMs !== undefined) ttfb.observe(call.latencyMs / 1000);
      }
    }
    if (event.type === 'credential.rate_limited') m.cooldowns.get(change.actorId).get(event.credentialId).inc();
  });
}

/** Gauges read from the actors' snapshots when Prometheus scrapes. */
function snapshotGauges(tree: ActorTree, clock: Clock, registers: Registry[]): void {
  const views = () => tree.ids.map((id) => tree.view(id));
  new Gauge({
    name: 'fusebox_breaker_state',
    help: 'Breaker state per actor: 0 closed, 1 half_open, 2 open.',
    labelNames: ['actor', 'role'],
    registers,
    collect() {
      this.reset();
      for (const { state, context } of views()) this.set({ actor: context.id, role: context.role }, BREAKER_STATE_VALUE[state] ?? -1);
    },
  });
  new Gauge({
    name: 'fusebox_health_score',
    help: 'Health score (0-100) per actor.',
    labelNames: ['actor'],
    registers,
    collect() {
      this.reset();
      for (const { context } of views()) this.set({ actor: context.id }, healthScore(context.health, clock.now()));
    },
  });
  new Gauge({
    name: 'fusebox_credential_cooldown_seconds',
    help: 'Seconds until a resting credential may be used again (0 when usable).',
    labelNames: ['pool', 'credential'],
    registers,
    collect() {
      this.reset();
      const now = clock.now();
      for (const { context } of views()) {
        for (const c of credentialList(context)) {
          this.set({ pool: context.id, credential: c.id }, c.cooldownUntil !== null && c.cooldownUntil > now ? (c.cooldownUntil - now) / 1000 : 0);
        }
      }
    },
  });
  new Gauge({
    name: 'fusebox_credential_quota_remaining_ratio',
    help: 'Remaining share (0-1) of a credential quota: the tighter of the local count and the upstream rate-limit headers.',
    labelNames: ['pool', 'credential'],
    registers,
    collect() {
      this.reset();
      const now = clock.now();
      for (const { context } of views()) {
        for (const c of credentialList(context)) this.set({ pool: context.id, credential: c.id }, remainingRatio(c, now));
      }
    },
  });
  new Gauge({
    name: 'fusebox_credential_disabled',
    help: '1 while a credential is disabled (401/403 from every BaseURL of its backend) until a re-check succeeds or an operator reset.',
    labelNames: ['pool', 'credential'],
    registers,
    collect() {
      this.reset();
      for (const { context } of views()) {
        for (const c of credentialList(context)) this.set({ pool: context.id, credential: c.id }, c.disabled === null ? 0 : 1);
      }
    },
  });
}

/** A cluster member's link to the shared store: 1 while it reaches it, and what waits to be written back. */
function clusterGauges(cluster: ClusterView, registers: Registry[]): void {
  new Gauge({
    name: 'fusebox_cluster_connected',
    help: "Whether this instance reaches the cluster's Redis (1) or routes on its own state until it returns (0).",
    registers,
    collect() {
      this.set(cluster.connected() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'fusebox_cluster_unpublished_changes',
    help: 'Shared changes made while Redis was unreachable, written back when it returns.',
    registers,
    collect() {
      this.set(cluster.unpublished());
    },
  });
}
