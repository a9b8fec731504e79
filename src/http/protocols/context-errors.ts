import type { UpstreamErrorKind, UpstreamErrorReader } from '../../routing/context-fallback.js';
import { anthropicErrorKind } from './anthropic/context-errors.js';
import { geminiErrorKind } from './gemini/context-errors.js';
import { openAiErrorKind } from './openai/context-errors.js';

/**
 * The upstream error recognisers by protocol: routing asks "what kind of error is this body,
 * for protocol P" (context length, content policy, or neither) without naming protocols.
 * A protocol without a recogniser has neither kind.
 */
type Recogniser = (status: number, text: string) => UpstreamErrorKind | null;

const BY_PROTOCOL: Readonly<Record<string, Recogniser>> = {
  openai: openAiErrorKind,
  anthropic: anthropicErrorKind,
  gemini: geminiErrorKind,
};

export const upstreamErrorKind: UpstreamErrorReader = (protocol, status, text) => {
  const recognise = BY_PROTOCOL[protocol];
  return recognise === undefined ? null : recognise(status, text);
};
