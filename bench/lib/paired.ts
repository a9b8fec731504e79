import { median } from './measure.js';

/** Number formatting and round-by-round comparisons shared by the bench's verdicts. */
export const f = (n: number | null | undefined, digits = 2) => (n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));
export const signed = (n: number) => `${n >= 0 ? '+' : ''}${f(n)}`;

/**
 * A comparison of fusebox with a baseline, made round by round (the two were measured back to
 * back in each round, so a slow spell of the machine hits both) and summarised by the median;
 * from the medians of the figures when per-round figures are missing.
 */
export interface Paired {
  readonly value: number;
  /** Each round's comparison, for the reader to see the spread; empty without per-round figures. */
  readonly rounds: readonly number[];
}

export function paired(
  mine: readonly (number | null)[] | undefined,
  base: readonly (number | null)[] | undefined,
  compare: (mine: number, base: number) => number,
  fallback: number,
): Paired {
  if (!mine || !base || mine.length !== base.length) return { value: fallback, rounds: [] };
  const rounds = mine.flatMap((m, i) => (m === null || base[i] === null || base[i] === undefined ? [] : [compare(m, base[i])]));
  return rounds.length === 0 ? { value: fallback, rounds } : { value: median(rounds), rounds };
}

/** `rounds a, b, c`, or '' with fewer than two rounds. */
export const roundsOf = (p: Paired, format: (n: number) => string) => (p.rounds.length > 1 ? `rounds ${p.rounds.map(format).join(', ')}` : '');
/** ` (rounds a, b, c)`, or ''. */
export const inParens = (note: string) => (note ? ` (${note})` : '');
/** `; rounds a, b, c`, or ''. */
export const appended = (note: string) => (note ? `; ${note}` : '');
/** `1.23×`. */
export const times = (n: number) => `${f(n)}×`;
