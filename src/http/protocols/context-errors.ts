import type { UpstreamErrorReader } from '../../routing/context-fallback.js';
import type { Protocol } from '../../routing/types.js';
import { anthropicErrorKind } from './anthropic/context-errors.js';
import { geminiErrorKind } from './gemini/context-errors.js';
import { openAiErrorKind } from './openai/context-errors.js';

/**
 * The upstream error recognisers by protocol: routing asks "what kind of error is this body,
 * for protocol P" (context length, content policy, or neither) without naming protocols.
 */
const BY_PROTOCOL: Readonly<Record<Protocol, (status: number, text: string) => ReturnType<UpstreamErrorReader>>> = {
  openai: openAiErrorKind,
  anthropic: anthropicErrorKind,
  gemini: geminiErrorKind,
};

export const upstreamErrorKind: UpstreamErrorReader = (protocol, status, text) => BY_PROTOCOL[protocol](status, text);
