import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { filesUnder } from '../../helpers/files.js';

// Layout rules of docs/architecture.md checked on the tree: small files, an index that only
// re-exports. Import cycles are checked by madge in `npm run lint`.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SRC = join(ROOT, 'src');
const MAX_LINES = 300;

/** Lines as an editor numbers them: a final newline does not start a line. */
function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

describe('source layout', () => {
  it(`keeps every file under src/ under ${MAX_LINES} lines`, () => {
    const files = filesUnder(SRC);
    expect(files.length).toBeGreaterThan(50);
    const offenders = files
      .map((file) => ({ file: relative(ROOT, file), lines: lineCount(readFileSync(file, 'utf8')) }))
      .filter(({ lines }) => lines >= MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(offenders).toEqual([]);
  });

  it('has src/index.ts only re-export (no declarations, no statements, no local imports)', () => {
    const path = join(SRC, 'index.ts');
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    expect(source.statements.length).toBeGreaterThan(0);
    const others = source.statements
      .filter((statement) => !(ts.isExportDeclaration(statement) && statement.moduleSpecifier !== undefined))
      .map((statement) => `line ${source.getLineAndCharacterOfPosition(statement.getStart()).line + 1}: ${statement.getText().slice(0, 80)}`);
    expect(others).toEqual([]);
  });
});
