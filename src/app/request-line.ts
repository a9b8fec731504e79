import type { AttemptNote, RequestSummary } from '../routing/handle-request.js';
import type { ResumeNote } from '../routing/request-notes.js';
import type { Job, TokenUsage } from '../routing/types.js';
import { CacheBudget, Memo } from '../shared/bounded-labels.js';

/**
 * The members of a request's log line (`msg: "request"`), serialized here field by field and
 * written without redaction or scrubbing (shared/log-direct.ts), because each member is known
 * to hold no secret:
 * - `reqId`: the request id (a client's only when it matches the server's id pattern);
 * - `model`, and an attempt's `model` (the model a fallback asked for: mapped by the config, or
 *   the client's own): passed through `scrubModel`, being the client's text;
 * - `stream`, `retryBudgetExhausted`: booleans; `status`, `ms`, `waitedMs`, `sameModelWaitMs`: numbers;
 * - `outcome`, `error`: codes of the upstream vocabulary or the error catalogue;
 * - `backend`, and per attempt `backend`, `baseUrl` (an index), `credential` (configured id or
 *   fingerprint), `pool`, `outcome`, `ms`: route decisions;
 * - `fallback`: `from->to` model pools;
 * - `client`: the id of the client key (configured, or `key-<n>`), never the key;
 * - `usage`: token counts; `resumed`: per continuation its backend, strategy, break code, kept
 *   character count and result code.
 * Nothing upstream sends (headers, bodies, messages) is a member. The field tables below name
 * every member of RequestSummary and AttemptNote, so a new one fails to compile until it is
 * placed here; `test/integration/request-log-line.test.ts` checks every member of real lines.
 */
type Write = (value: never) => string;

const str = (value: string): string => JSON.stringify(value);
const num = (value: number): string => (Number.isFinite(value) ? String(value) : 'null');
const bool = (value: boolean): string => (value ? 'true' : 'false');
/**
 * `str` of the strings that repeat from line to line (ids from the config, client key ids,
 * codes, `from->to` pools), made once each: a Map lookup instead of a JSON.stringify. Never for
 * client text or request ids. At most QUOTED_KEPT strings are kept per process; past that `str`
 * runs each time.
 */
const QUOTED_KEPT = 10_000;
const quoted = new Memo(new CacheBudget(QUOTED_KEPT), str);
const known = (value: string): string => quoted.get(value);
const nullableKnown = (value: string | null): string => (value === null ? 'null' : known(value));

/** Members of the summary after the fixed ones, written when present; null = never on this line (the debug line has them). */
const SUMMARY_TAIL = {
  status: null,
  outcome: null,
  backend: null,
  attempts: null,
  error: known,
  fallback: known,
  waitedMs: num,
  sameModelWaitMs: num,
  retryBudgetExhausted: bool,
  usage: (value: TokenUsage) => `{"inputTokens":${num(value.inputTokens)},"outputTokens":${num(value.outputTokens)}}`,
  resumed: (value: readonly ResumeNote[]) => `[${value.map(resumeJson).join(',')}]`,
  skipped: null,
  considered: null,
} as const satisfies Record<keyof RequestSummary, Write | null>;

const NOTE_FIELDS = {
  backend: known,
  baseUrl: num,
  credential: known,
  pool: known,
  model: null,
  outcome: known,
  ms: num,
} as const satisfies Record<keyof AttemptNote, Write | null>;

type Member<T> = readonly [key: keyof T & string, write: (value: unknown) => string];

function members<T>(table: Record<keyof T & string, Write | null>): readonly Member<T>[] {
  return (Object.entries(table) as [keyof T & string, Write | null][]).flatMap(([key, write]) =>
    write === null ? [] : [[key, write as (value: unknown) => string] as const],
  );
}

const TAIL_MEMBERS = members<RequestSummary>(SUMMARY_TAIL);
const NOTE_MEMBERS = members<AttemptNote>(NOTE_FIELDS);

export function requestLine(
  job: Pick<Job, 'id' | 'model' | 'stream' | 'clientKey'>,
  summary: RequestSummary,
  ms: number,
  scrubModel: (model: string) => string,
): string {
  let line = `"reqId":${str(job.id)},"model":${str(scrubModel(job.model))},"stream":${bool(job.stream)}`;
  if (job.clientKey !== undefined) line += `,"client":${known(job.clientKey)}`;
  line += `,"status":${num(summary.status)},"outcome":${known(summary.outcome)},"backend":${nullableKnown(summary.backend)},"attempts":[`;
  for (let i = 0; i < summary.attempts.length; i++) line += `${i === 0 ? '' : ','}${noteJson(summary.attempts[i]!, scrubModel)}`;
  line += ']';
  for (const [key, write] of TAIL_MEMBERS) {
    const value = summary[key];
    if (value !== undefined) line += `,"${key}":${write(value)}`;
  }
  return `${line},"ms":${num(ms)}`;
}

/** An attempt's members in NOTE_FIELDS order; its `model` (null there: it is client text) scrubbed, after `pool`. */
function noteJson(note: AttemptNote, scrubModel: (model: string) => string): string {
  let json = '';
  for (const [key, write] of NOTE_MEMBERS) {
    const value = note[key];
    if (value !== undefined) json += `${json === '' ? '' : ','}"${key}":${write(value)}`;
    if (key === 'pool' && note.model !== undefined) json += `,"model":${str(scrubModel(note.model))}`;
  }
  return `{${json}}`;
}

function resumeJson(note: ResumeNote): string {
  return `{"backend":${known(note.backend)},"strategy":${known(note.strategy)},"afterCode":${known(note.afterCode)},"keptChars":${num(note.keptChars)},"result":${known(note.result)}}`;
}
