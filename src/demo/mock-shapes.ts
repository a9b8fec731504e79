import { allProtocols, protocolOfUpstreamPath, protocolSpec } from '../http/protocols/registry.js';
import type { SampleStream } from '../http/protocols/types.js';

/**
 * What the mock upstream's answers look like in each API dialect: a whole JSON answer, and a
 * stream as SSE frames plus its terminal frame. Each protocol's spec builds them (its
 * `samples`); the dialect is read from the request path.
 */
export type Dialect = string;

export type StreamShape = SampleStream;

export function dialectOf(path: string): Dialect {
  return protocolOfUpstreamPath(path).name;
}

/** The model named by the request: in the path for protocols that put it there, else the body's `model`. */
export function modelOf(path: string, body: string): string {
  for (const spec of allProtocols()) {
    const model = spec.samples.modelInPath?.(path);
    if (model) return model;
  }
  try {
    const model = (JSON.parse(body) as { model?: unknown }).model;
    return typeof model === 'string' || typeof model === 'number' ? String(model) : 'unknown';
  } catch {
    return 'unknown';
  }
}

export function wholeAnswer(dialect: Dialect, model: string, text: string): unknown {
  return protocolSpec(dialect).samples.whole(model, text);
}

/** `pieces` text deltas; `usage` adds a final usage report where the protocol has one. */
export function streamShape(dialect: Dialect, model: string, pieces: readonly string[], usage: boolean): StreamShape {
  return protocolSpec(dialect).samples.stream(model, pieces, usage);
}
