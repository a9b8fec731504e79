import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_NAMES } from '../../../src/http/protocols/registry.js';

/**
 * Nothing outside src/http/protocols may branch on a protocol's name: no string literal,
 * template literal or literal type there may be a protocol name. Module specifiers
 * (`import('openai')`, the npm package) are names of packages, not protocols, and pass.
 */
const ROOT = join(import.meta.dirname, '..', '..', '..');
const SRC = join(ROOT, 'src');
const PROTOCOLS_DIR = join(SRC, 'http', 'protocols');

interface Finding {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

function protocolNameLiterals(file: string, source: string, names: readonly string[]): Finding[] {
  const wanted = new Set(names.map((name) => name.toLowerCase()));
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Finding[] = [];
  const visit = (node: ts.Node): void => {
    if (isLiteral(node) && !isModuleSpecifier(node) && wanted.has(node.text.trim().toLowerCase())) {
      const { line } = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
      found.push({ file, line: line + 1, text: node.getText(sourceFile) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

function isLiteral(node: ts.Node): node is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateLiteralLikeNode {
  return (
    ts.isStringLiteral(node) ||
    ts.isNoSubstitutionTemplateLiteral(node) ||
    ts.isTemplateHead(node) ||
    ts.isTemplateMiddle(node) ||
    ts.isTemplateTail(node)
  );
}

/** `import ... from 'x'`, `export ... from 'x'`, `import('x')` and the type `import('x').T`. */
function isModuleSpecifier(node: ts.Node): boolean {
  const parent = node.parent;
  if (ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent)) return parent.moduleSpecifier === node;
  if (ts.isCallExpression(parent)) return parent.expression.kind === ts.SyntaxKind.ImportKeyword && parent.arguments[0] === node;
  if (ts.isLiteralTypeNode(parent)) return ts.isImportTypeNode(parent.parent);
  if (ts.isExternalModuleReference(parent)) return true;
  return false;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path === PROTOCOLS_DIR ? [] : sourceFiles(path);
    return /\.(ts|mts|cts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

describe('protocol names', () => {
  it('appear as string literals only in src/http/protocols', () => {
    const findings = sourceFiles(SRC).flatMap((path) =>
      protocolNameLiterals(relative(ROOT, path).split(sep).join('/'), readFileSync(path, 'utf8'), PROTOCOL_NAMES),
    );
    const report = findings.map(
      (f) => `${f.file}:${f.line}: ${f.text} (a protocol's name: look its spec up in src/http/protocols/registry.ts instead of branching on it)`,
    );
    expect(report, `protocol names outside src/http/protocols:\n${report.join('\n')}`).toEqual([]);
  });

  it('flags literals, template literals and literal types, but not module specifiers or comments', () => {
    const source = [
      "import { OpenAI } from 'openai';", // 1
      "type Client = import('openai').OpenAI;", // 2
      "const sdk = await import('openai');", // 3
      "// the 'gemini' kind, in a comment", // 4
      "if (kind === 'anthropic') go();", // 5
      'const x = `gemini`;', // 6
      "type P = 'openai' | 'other';", // 7
      "const y = { openai: 1, note: 'openai-beta' };", // 8
      'const z = `${a}gemini${b}`;', // 9
    ].join('\n');
    expect(protocolNameLiterals('sample.ts', source, PROTOCOL_NAMES).map((f) => f.line)).toEqual([5, 6, 7, 9]);
  });
});
