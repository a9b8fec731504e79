import { credentialList, credentialOf, type BreakerContext, type BreakerValue } from '../machines/breaker.js';
import type { BreakerEvent } from '../machines/types.js';
import { createActorTree, type ActorTree, type ActorView } from '../actors/actor-tree.js';
import { upgradeSnapshot } from '../persistence/snapshot-record.js';
import { READABLE_FORMATS, type EventLogHeader, type EventLogLine } from './event-log.js';
import { upgradeEvent } from './event-upgrade.js';
import type { RestoredView } from '../persistence/restore.js';

/**
 * Replay: rebuild the actors from an event log's header and feed them its events, in file
 * order. Machines read time only from the events' `at`, so no clock runs and no timer
 * fires: the same log always yields the same timeline and final states, and a live run's
 * final states equal the replay of its own log. Pure apart from the actors it creates.
 *
 * Logs of an older format are read in today's terms (headers' snapshots and events migrated,
 * see event-upgrade.ts), so they replay to the same timeline as when they were recorded.
 *
 * `until` (ms since the epoch) stops at the first event later than it. A truncated last line
 * (a crash mid-write) is ignored; any other unreadable line is an error naming its number.
 */
export interface TimelineEntry {
  readonly at: number;
  readonly actor: string;
  /** `breaker` for the actor's own state; `credential` for one credential of a pool. */
  readonly kind: 'session' | 'breaker' | 'credential';
  /** The credential id, for `credential` entries. */
  readonly subject?: string;
  readonly from: string;
  readonly to: string;
  readonly why: string;
}

export interface ReplayResult {
  readonly version: string;
  readonly sessions: number;
  readonly events: number;
  /** Time of the first header. */
  readonly startedAt: number;
  /** Time of the last event fed (or the last header). */
  readonly endedAt: number;
  readonly timeline: readonly TimelineEntry[];
  readonly final: Readonly<Record<string, ActorView>>;
}

export interface ReplayOptions {
  readonly until?: number;
}

export class EventLogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventLogError';
  }
}

export function replayLog(text: string, options: ReplayOptions = {}): ReplayResult {
  const lines = text.split('\n');
  const timeline: TimelineEntry[] = [];
  let tree: ActorTree | null = null;
  let header: EventLogHeader | null = null;
  let startedAt: number | null = null;
  let endedAt = 0;
  let sessions = 0;
  let events = 0;
  for (let index = 0; index < lines.length; index++) {
    const parsed = parseLine(lines[index]!, index, index === lines.length - 1 || lines[index + 1] === '');
    if (parsed === null) continue;
    if ('layout' in parsed) {
      tree?.stop();
      header = parsed;
      tree = treeFrom(parsed);
      startedAt ??= parsed.at;
      endedAt = Math.max(endedAt, parsed.at);
      sessions += 1;
      timeline.push({
        at: parsed.at,
        actor: '*',
        kind: 'session',
        from: '',
        to: '',
        why: `recording started (fusebox ${parsed.fusebox}, ${tree.ids.length} actors)`,
      });
      continue;
    }
    if (!tree) throw new EventLogError(`line ${index + 1}: an event before any header`);
    if (options.until !== undefined && parsed.at > options.until) break;
    if (!tree.ids.includes(parsed.actor)) throw new EventLogError(`line ${index + 1}: unknown actor ${parsed.actor}`);
    timeline.push(...feed(tree, parsed));
    endedAt = Math.max(endedAt, parsed.at);
    events += 1;
  }
  if (!tree || !header || startedAt === null) throw new EventLogError('not a fusebox event log: no header line');
  const final: Record<string, ActorView> = {};
  for (const id of tree.ids) final[id] = tree.view(id);
  tree.stop();
  return { version: header.fusebox, sessions, events, startedAt, endedAt, timeline, final };
}

function parseLine(line: string, index: number, isLast: boolean): EventLogHeader | EventLogLine | null {
  if (line.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    if (isLast) return null;
    throw new EventLogError(`line ${index + 1}: not valid JSON`);
  }
  const record = value as Partial<EventLogHeader & EventLogLine>;
  if (record.format !== undefined) {
    if (!READABLE_FORMATS.includes(record.format)) throw new EventLogError(`line ${index + 1}: unknown log format ${record.format}`);
    if (!Array.isArray(record.layout) || typeof record.snapshots !== 'object') {
      throw new EventLogError(`line ${index + 1}: a header without layout or snapshots`);
    }
    return record as EventLogHeader;
  }
  if (typeof record.at !== 'number' || typeof record.actor !== 'string' || typeof record.event?.type !== 'string') {
    throw new EventLogError(`line ${index + 1}: expected {"at","actor","event"}`);
  }
  const event = record as EventLogLine;
  return { ...event, event: upgradeEvent(event.event) };
}

function treeFrom(header: EventLogHeader): ActorTree {
  const restored = new Map<string, RestoredView>();
  for (const [id, snapshot] of Object.entries(header.snapshots)) {
    const { value, context } = upgradeSnapshot(snapshot) as { value: BreakerValue; context: BreakerContext };
    restored.set(id, { value, context });
  }
  return createActorTree({ layout: header.layout, restored });
}

/** Sends one event and describes what it changed: the breaker's transition, credentials resting or disabled. */
function feed(tree: ActorTree, line: EventLogLine): TimelineEntry[] {
  const before = tree.view(line.actor);
  tree.send(line.actor, line.event);
  const after = tree.view(line.actor);
  const entries: TimelineEntry[] = [];
  const moved = after.context.lastTransition;
  if (moved && moved !== before.context.lastTransition) {
    entries.push({ at: moved.at, actor: line.actor, kind: 'breaker', from: moved.from, to: moved.to, why: moved.reason });
  }
  for (const credential of credentialList(after.context)) {
    const id = credential.id;
    const old = credentialOf(before.context, id);
    const entry = (from: string, to: string, why: string): TimelineEntry => ({
      at: line.event.at,
      actor: line.actor,
      kind: 'credential',
      subject: id,
      from,
      to,
      why,
    });
    if (old && credential.disabled !== old.disabled) {
      entries.push(credential.disabled === null ? entry('disabled', 'enabled', line.event.type) : entry('enabled', 'disabled', credential.disabled));
    }
    if (old && credential.cooldownUntil !== old.cooldownUntil && credential.cooldownUntil !== null && credential.cooldownUntil > line.event.at) {
      entries.push(entry('ready', 'cooling down', `${codeOf(line.event)} until +${credential.cooldownUntil - line.event.at}ms`));
    }
  }
  return entries;
}

function codeOf(event: BreakerEvent): string {
  return 'code' in event && typeof event.code === 'string' ? event.code : event.type;
}
