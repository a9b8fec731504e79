import { addTokens, admitRequest, emptyWindow, type LimitRefusal, type Limits, type LimitWindow } from '../machines/client-limits.js';
import { boundedLabels, CacheBudget, Memo } from '../shared/bounded-labels.js';
import type { RequestSummary } from './request-notes.js';
import type { Job, TokenUsage } from './types.js';

/**
 * Token usage per client key id, backend, credential id and model, since the gateway started:
 * totals and one table per clock hour (the last HOURS_KEPT hours), for GET /admin/usage and the
 * status page; and each client key's limit window (client-limits.ts), for admission. Keys are
 * known by id only. Model names are bounded (MAX_MODELS, then `other`).
 */
export interface UsageRow {
  readonly client: string;
  readonly backend: string;
  readonly credential: string;
  readonly model: string;
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface UsageReport {
  readonly now: number;
  /** When counting began (the gateway's start). */
  readonly since: number;
  readonly totals: readonly UsageRow[];
  /** Newest first; `hour` is the hour's start as an ISO time. */
  readonly hours: readonly { readonly hour: string; readonly rows: readonly UsageRow[] }[];
}

export interface UsageLedger {
  /** Admits a request of client key `keyId` under `limits`, counting it; or says why not. */
  admit(keyId: string, limits: Limits, now: number): LimitRefusal | null;
  /** One answered request (`summary.backend` set); other requests are not counted. */
  record(job: Pick<Job, 'model' | 'clientKey'>, summary: RequestSummary, now: number): void;
  report(now: number): UsageReport;
}

/** The client label of requests made without a client key (no keys configured). */
export const ANONYMOUS = 'anonymous';
const HOURS_KEPT = 48;
const HOUR_MS = 3_600_000;
const MAX_MODELS = 100;

type Counts = { requests: number; inputTokens: number; outputTokens: number };
type Labels = Omit<UsageRow, keyof Counts>;
/** Rows by their labels object: one object per combination (see `labels` below), so a row is found by identity. */
type Table = Map<Labels, Counts>;
const NO_USAGE: TokenUsage = { inputTokens: 0, outputTokens: 0 };

export function createUsageLedger(startedAt: number): UsageLedger {
  const totals: Table = new Map();
  const hours = new Map<number, Table>();
  const windows = new Map<string, LimitWindow>();
  const modelLabel = boundedLabels(MAX_MODELS);
  // The one labels object of each combination, by client, backend, credential and model. Not
  // bounded: it keeps no more combinations than `totals` keeps rows, and `totals` keeps them all.
  const budget = new CacheBudget(Infinity);
  const memo = <K, V extends object>(make: (key: K) => V) => new Memo(budget, make);
  const labels = memo((client: string) =>
    memo((backend: string) => memo((credential: string) => memo((model: string): Labels => ({ client, backend, credential, model })))),
  );

  return {
    admit(keyId, limits, now) {
      if (limits.rpm === undefined && limits.tokensPerDay === undefined) return null;
      const { window, refused } = admitRequest(windows.get(keyId) ?? emptyWindow, limits, now);
      windows.set(keyId, window);
      return refused;
    },
    record(job, summary, now) {
      if (summary.backend === null) return;
      const last = summary.attempts.at(-1);
      const row = labels
        .get(job.clientKey ?? ANONYMOUS)
        .get(summary.backend)
        .get(last?.credential ?? 'none')
        .get(modelLabel(last?.model ?? job.model));
      const usage = summary.usage ?? NO_USAGE;
      add(totals, row, usage);
      const hour = now - (now % HOUR_MS);
      let table = hours.get(hour);
      if (table === undefined) {
        table = new Map<Labels, Counts>();
        hours.set(hour, table);
        for (const old of hours.keys()) if (old <= hour - HOURS_KEPT * HOUR_MS) hours.delete(old);
      }
      add(table, row, usage);
      const tokens = usage.inputTokens + usage.outputTokens;
      if (job.clientKey === undefined || !(tokens > 0)) return;
      const window = windows.get(job.clientKey);
      if (window !== undefined) windows.set(job.clientKey, addTokens(window, tokens, now));
    },
    report(now) {
      const byHour = [...hours.entries()].sort(([a], [b]) => b - a);
      return {
        now,
        since: startedAt,
        totals: rows(totals),
        hours: byHour.map(([hour, table]) => ({ hour: new Date(hour).toISOString(), rows: rows(table) })),
      };
    },
  };
}

function add(table: Table, labels: Labels, usage: TokenUsage): void {
  let counts = table.get(labels);
  if (counts === undefined) table.set(labels, (counts = { requests: 0, inputTokens: 0, outputTokens: 0 }));
  counts.requests += 1;
  counts.inputTokens += usage.inputTokens;
  counts.outputTokens += usage.outputTokens;
}

function rows(table: Table): UsageRow[] {
  return [...table].map(([labels, counts]) => ({ ...labels, ...counts }));
}
