import { isObject } from '../neutral/json.js';
import { usageFromAnthropic } from '../neutral/usage.js';
import type { UsageReading } from '../types.js';
import { lastDataWith, memberObject } from '../usage-scan.js';

/**
 * Anthropic's `usage` (`input_tokens`, `output_tokens`, cache reads and writes counted as
 * input): a member of a whole message; in a stream, `message_start` (its first event) carries
 * the input and `message_delta` (near its end) the final output count, and may restate the input.
 */
export const anthropicUsage: UsageReading = {
  fromBody: (body, members) => usageFromAnthropic(memberObject(body, 'usage', members)) ?? null,
  fromStream(head, tail) {
    const start = lastDataWith(head, '"message_start"')?.message;
    const startUsage = isObject(start) && isObject(start.usage) ? start.usage : null;
    const delta = lastDataWith(tail, '"message_delta"')?.usage;
    const deltaUsage = isObject(delta) ? delta : null;
    if (startUsage === null && deltaUsage === null) return null;
    return usageFromAnthropic({ ...startUsage, ...deltaUsage }) ?? null;
  },
};
