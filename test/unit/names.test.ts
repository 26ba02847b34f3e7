import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

/**
 * A name means one thing: no name is exported both by the runtime (`lambda/`, outside the contract
 * the two share) and by the constructs. `ResponseCache` is the ElastiCache construct; the
 * pipeline's cache slot is an `AnswerCache`.
 */
const ROOT = path.join(__dirname, '..', '..');

/** The names a module exports by declaration (`export class X`, `export const y`, ...). */
export function declaredExports(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const names: string[] = [];
  for (const statement of source.statements) {
    const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
    if (!modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) names.push(declaration.name.getText(source));
    } else if (
      (ts.isClassDeclaration(statement) ||
        ts.isFunctionDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      names.push(statement.name.text);
    }
  }
  return names;
}

function exportsUnder(dir: string, skip: (file: string) => boolean): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
    const file = path.posix.join(dir, entry.split(path.sep).join('/'));
    if (!file.endsWith('.ts') || file.endsWith('.test.ts') || skip(file)) continue;
    for (const name of declaredExports(file, fs.readFileSync(path.join(ROOT, file), 'utf8'))) {
      byName.set(name, [...(byName.get(name) ?? []), file]);
    }
  }
  return byName;
}

test('no exported name is both a runtime one and a construct one', () => {
  const runtime = exportsUnder('lambda', (file) => file.startsWith('lambda/contract/'));
  const constructs = exportsUnder('constructs', () => false);
  const shared = [...constructs.keys()]
    .filter((name) => runtime.has(name))
    .map((name) => `${name}: ${[...constructs.get(name)!, ...runtime.get(name)!].join(', ')}`);
  expect(shared).toEqual([]);
  expect(constructs.has('ResponseCache')).toBe(true);
  expect(runtime.has('AnswerCache')).toBe(true);
});

test('the check sees every kind of exported declaration', () => {
  const probe = [
    'export class A {}',
    'export interface B {}',
    'export type C = string;',
    'export const d = 1, e = 2;',
    'export function f() {}',
    'export enum G {}',
    'class Hidden {}',
  ].join('\n');
  expect(declaredExports('probe.ts', probe)).toEqual(['A', 'B', 'C', 'd', 'e', 'f', 'G']);
});
