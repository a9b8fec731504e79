import { memberText, withMember } from '../../../shared/json-member.js';
import { usageFromOpenAi } from '../neutral/usage.js';
import type { UsageReading } from '../types.js';
import { lastDataWith, memberObject } from '../usage-scan.js';

/**
 * OpenAI's `usage` (`prompt_tokens`, `completion_tokens`): a member of a whole answer; in a
 * stream, the extra chunk (`choices: []`) sent before `[DONE]` when the request carried
 * `stream_options.include_usage`, which fusebox adds when the client did not ask.
 */
const REPORTING_PATHS = new Set(['/chat/completions', '/completions']);

export const openAiUsage: UsageReading = {
  fromBody: (body, members) => usageFromOpenAi(memberObject(body, 'usage', members)) ?? null,
  fromStream: (_head, tail) => usageFromOpenAi(lastDataWith(tail, '"usage"')?.usage) ?? null,
  askForReport(upstreamPath, body) {
    if (!REPORTING_PATHS.has(upstreamPath)) return null;
    const options = ownOptions(memberText(body, 'stream_options'));
    if (options === null || options.include_usage === true) return null;
    return withMember(body, 'stream_options', JSON.stringify({ ...options, include_usage: true }));
  },
  isReport: (bytes) => bytes.indexOf('"choices":[]') !== -1 || bytes.indexOf('"choices": []') !== -1,
};

/** The client's `stream_options` ({} when absent); null when it is not an object (left alone). */
function ownOptions(text: string | undefined): Record<string, unknown> | null {
  if (text === undefined) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
