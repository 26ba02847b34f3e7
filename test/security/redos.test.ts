import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { check } from 'recheck';
import * as ts from 'typescript';

/**
 * Every regular expression in the runtime, the constructs and the stacks is checked for
 * catastrophic backtracking by `recheck`, which finds polynomial (quadratic, cubic...) as well as
 * exponential blow-ups. A pattern is found by parsing the source, not by a list someone must keep:
 * regex literals, and `new RegExp` / `RegExp` called with a string literal. A polynomial pattern
 * applied to a client's string is a stall of the whole process (a 40 kB `model` took 2 s in the
 * log redaction before it was fixed).
 */
const ROOT = join(__dirname, '..', '..');
const SCANNED = ['lambda', 'lib', 'constructs'];

interface Pattern {
  readonly where: string;
  readonly source: string;
  readonly flags: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')
      ? [path]
      : [];
  });
}

function patternsIn(file: string): Pattern[] {
  const text = readFileSync(file, 'utf8');
  const tree = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Pattern[] = [];
  const at = (node: ts.Node) =>
    `${relative(ROOT, file)}:${tree.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node) => {
    if (ts.isRegularExpressionLiteral(node)) {
      const literal = node.text;
      const end = literal.lastIndexOf('/');
      found.push({ where: at(node), source: literal.slice(1, end), flags: literal.slice(end + 1) });
    } else if (
      (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'RegExp' &&
      node.arguments?.[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      const flags = node.arguments[1] && ts.isStringLiteralLike(node.arguments[1]) ? node.arguments[1].text : '';
      found.push({ where: at(node), source: node.arguments[0].text, flags });
    }
    ts.forEachChild(node, visit);
  };
  visit(tree);
  return found;
}

const patterns = SCANNED.flatMap((dir) => sourceFiles(join(ROOT, dir))).flatMap(patternsIn);

test('the scan finds the patterns it must check (the log redaction among them)', () => {
  expect(patterns.length).toBeGreaterThan(30);
  expect(patterns.some((p) => p.where.startsWith('lambda/core/telemetry/redact.ts'))).toBe(true);
});

test('the checker tells a polynomial pattern from a linear one', async () => {
  // The e-mail rule as it was: a run of local-part characters with no `@` is rescanned from each start.
  expect((await check('[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}', 'g')).status).toBe('vulnerable');
  expect((await check('(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}', 'g')).status).toBe(
    'safe',
  );
});

/**
 * recheck answers `unknown` when its search runs out of time, which a loaded machine can cause for
 * a safe pattern: those are checked again, one at a time, with longer. A verdict is never guessed.
 */
test('no pattern backtracks catastrophically', async () => {
  const first = await Promise.all(patterns.map((p) => check(p.source, p.flags, { timeout: 20_000 })));
  const results: Array<Pattern & { status: string; attack?: string }> = [];
  for (const [i, p] of patterns.entries()) {
    const diagnostics = first[i].status === 'unknown' ? await check(p.source, p.flags, { timeout: 90_000 }) : first[i];
    results.push({
      ...p,
      status: diagnostics.status,
      attack: diagnostics.status === 'vulnerable' ? diagnostics.attack.pattern : undefined,
    });
  }
  const unsafe = results
    .filter((r) => r.status !== 'safe')
    .map((r) => `${r.where} /${r.source}/${r.flags}: ${r.status}${r.attack ? ` (${r.attack})` : ''}`);
  expect(unsafe).toEqual([]);
}, 600_000);
