import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Json, ProtocolName } from '../../../../../src/http/protocols/neutral/types.js';
import { isRefusal } from '../../../../../src/http/protocols/neutral/refusal.js';
import {
  createStreamTranslator,
  translateRequest,
  translateResponse,
  type TranslationState,
} from '../../../../../src/http/protocols/neutral/translate.js';

/**
 * Golden fixtures in test/fixtures/translation/*.json: `{ kind, from, to, options?, state?,
 * input, expected }`. `request`: client body in → target body (+ model, stream, toolNames) out;
 * `response`: target body in → client body out; `stream`: target SSE chunks in → client SSE
 * text out. A refusal is expected as `{ refusal: field }`. `GOLDEN_UPDATE=1` rewrites `expected`.
 */
export const FIXTURES = join(import.meta.dirname, '../../../../fixtures/translation');

export interface Fixture {
  description: string;
  kind: 'request' | 'response' | 'stream';
  from: ProtocolName;
  to: ProtocolName;
  options?: { model?: string; stream?: boolean; defaultMaxTokens?: number };
  state?: Partial<TranslationState>;
  input: unknown;
  expected?: unknown;
}

export function loadFixtures(): Array<{ file: string; fixture: Fixture }> {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, fixture: JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Fixture }));
}

function stateOf(fixture: Fixture): TranslationState {
  return { from: fixture.from, to: fixture.to, model: 'm', stream: fixture.kind === 'stream', includeUsage: true, toolNames: {}, ...fixture.state };
}

export function runFixture(fixture: Fixture): unknown {
  try {
    if (fixture.kind === 'request') {
      const out = translateRequest(fixture.from, fixture.to, fixture.input as Json, fixture.options);
      return { body: out.body, model: out.model, stream: out.stream, toolNames: out.state.toolNames };
    }
    if (fixture.kind === 'response') return translateResponse(stateOf(fixture), fixture.input as Json);
    const translator = createStreamTranslator(stateOf(fixture));
    const out: Buffer[] = [];
    for (const chunk of fixture.input as string[]) out.push(...translator.push(Buffer.from(chunk)));
    out.push(...translator.end());
    return Buffer.concat(out).toString('utf8');
  } catch (error) {
    if (isRefusal(error)) return { refusal: error.field, message: error.message };
    throw error;
  }
}

export function updateFixture(file: string, fixture: Fixture, actual: unknown): void {
  writeFileSync(join(FIXTURES, file), `${JSON.stringify({ ...fixture, expected: actual }, null, 2)}\n`);
}
