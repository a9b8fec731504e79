/**
 * Overlap trimming for stream resume: a continuation may restate the end of the partial answer
 * before it goes on. The continuation's first `HOLD_BACK` characters are held back and the
 * longest prefix of them that is also the end of the partial is dropped.
 *
 * Contract of `overlapLength(partial, start)`: the number of leading characters of `start` to
 * drop. A restatement counts when it is at least `MIN_OVERLAP` characters long, or when it is
 * the whole partial (a continuation that starts the answer again); shorter matches are kept,
 * since a short repeat (a space, a digit, "the") is as likely new text. When nothing is
 * restated and the partial ends in whitespace, the continuation's leading whitespace is dropped
 * (a prefill is sent without its trailing whitespace, so the model often writes it again).
 */
export const HOLD_BACK = 64;
export const MIN_OVERLAP = 5;

export function overlapLength(partial: string, start: string): number {
  for (let k = Math.min(partial.length, start.length); k > 0; k--) {
    if (k < MIN_OVERLAP && k !== partial.length) break;
    if (partial.endsWith(start.slice(0, k))) return k;
  }
  if (!/\s$/.test(partial)) return 0;
  return start.length - start.trimStart().length;
}
