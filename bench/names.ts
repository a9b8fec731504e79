/** The names of the bench's targets, as they appear in its tables. */
export const PT = 'pass-through';
export const FB1 = 'fusebox 1×1×1';
export const FB_FLEET = 'fusebox 4×3×50';
/** FB1 with an anthropic-kind backend: every OpenAI request is translated both ways. */
export const FB_TRANSLATED = 'fusebox 1×1×1, translated';
/** Diagnostic only (no target): fusebox 1×1×1 with the per-request log line off. */
export const FB1_QUIET = 'fusebox 1×1×1, log warn';
/** The node flag of the diagnostic gc suite (bench/gc-flag.ts): V8's garbage collector on the main thread alone. */
export const GC_FLAG = '--single-threaded-gc';
export const KEYS_10 = 'fusebox 10 keys';
export const KEYS_10K = 'fusebox 10,000 keys';
