import { usageFromGemini } from '../neutral/usage.js';
import type { UsageReading } from '../types.js';
import { lastDataWith, memberObject } from '../usage-scan.js';

/** Gemini's `usageMetadata`: a member of a whole answer; in a stream, of its last chunks (cumulative). */
export const geminiUsage: UsageReading = {
  fromBody: (body, members) => usageFromGemini(memberObject(body, 'usageMetadata', members)) ?? null,
  fromStream: (_head, tail) => usageFromGemini(lastDataWith(tail, '"usageMetadata"')?.usageMetadata) ?? null,
};
