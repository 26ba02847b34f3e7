import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

/**
 * Two limits that keep the code readable, checked on the source with the TypeScript parser: no
 * function in `lambda/` takes more than 5 parameters (group them in an options object), and no
 * source file is over 400 lines (split it by what it does) unless it is data or listed below with
 * its reason. Tests are outside both limits.
 */
const ROOT = path.join(__dirname, '..', '..');
const MAX_PARAMETERS = 5;
const MAX_LINES = 400;
const SOURCE_DIRS = ['bin', 'lib', 'constructs', 'lambda', 'pulumi', 'bench', 'scripts'];

/**
 * Files allowed over 400 lines, each with why. Remove an entry when its file gets under the limit
 * (a test fails on an entry that no longer needs to be here).
 */
const OVER_400_LINES: Readonly<Record<string, string>> = {
  'lambda/core/guardrails/injection/lexicon.ts':
    'data: the injection vocabulary by language and role, one literal list per set; splitting it would only scatter it',
};

function sourceFiles(): string[] {
  const files: string[] = [];
  for (const dir of SOURCE_DIRS) {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
      const file = path.posix.join(dir, entry.split(path.sep).join('/'));
      if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(file) && !/\.test\.ts$/.test(file) && !file.includes('node_modules/')) {
        files.push(file);
      }
    }
  }
  return files.sort();
}

function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** Every function, method, constructor, arrow and signature with more than `max` parameters. */
export function functionsOverParameterLimit(fileName: string, text: string, max = MAX_PARAMETERS): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node)) {
      // `this: T` declares the receiver's type; it is not passed.
      const parameters = node.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this'));
      if (parameters.length > max) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        const name = node.name && ts.isIdentifier(node.name) ? node.name.text : ts.SyntaxKind[node.kind];
        found.push(`${fileName}:${line + 1} ${name} takes ${parameters.length} parameters`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

describe('no function in lambda/ takes more than 5 parameters', () => {
  test('the tree', () => {
    const offenders = fs
      .readdirSync(path.join(ROOT, 'lambda'), { recursive: true, encoding: 'utf8' })
      .map((f) => path.posix.join('lambda', f.split(path.sep).join('/')))
      .filter((file) => /\.[mc]?[tj]s$/.test(file))
      .flatMap((file) => functionsOverParameterLimit(file, read(file)));
    expect(offenders).toEqual([]);
  });

  test('the check finds every kind of function, and leaves `this` out', () => {
    const six = 'a: number, b: number, c: number, d: number, e: number, f: number';
    const probe = [
      `export function declared(${six}) {}`,
      `const arrow = (${six}) => 0;`,
      `const expression = function (${six}) {};`,
      `class K { constructor(${six}) {} method(${six}) {} }`,
      `interface I { signature(${six}): void }`,
      `function receiver(this: K, a: number, b: number, c: number, d: number, e: number) {}`,
    ].join('\n');
    expect(functionsOverParameterLimit('probe.ts', probe)).toEqual([
      'probe.ts:1 declared takes 6 parameters',
      'probe.ts:2 ArrowFunction takes 6 parameters',
      'probe.ts:3 FunctionExpression takes 6 parameters',
      'probe.ts:4 Constructor takes 6 parameters',
      'probe.ts:4 method takes 6 parameters',
      'probe.ts:5 signature takes 6 parameters',
    ]);
  });
});

describe('no source file over 400 lines outside data and the list', () => {
  const sizes = new Map(sourceFiles().map((file) => [file, lineCount(read(file))]));

  test('the tree', () => {
    const over = [...sizes]
      .filter(([file, lines]) => lines > MAX_LINES && !(file in OVER_400_LINES))
      .map(([file, lines]) => `${file}: ${lines} lines`);
    expect(over).toEqual([]);
  });

  test('every listed file still needs its entry, and says why', () => {
    const stale = Object.keys(OVER_400_LINES).filter((file) => (sizes.get(file) ?? 0) <= MAX_LINES);
    expect(stale).toEqual([]);
    for (const reason of Object.values(OVER_400_LINES)) expect(reason.length).toBeGreaterThan(30);
  });

  test('the check counts lines as an editor does, and looks at every source folder', () => {
    expect(lineCount('a\nb\n')).toBe(2);
    expect(lineCount('a\nb')).toBe(2);
    expect(lineCount('')).toBe(0);
    const folders = new Set([...sizes.keys()].map((file) => file.split('/')[0]));
    expect([...folders].sort()).toEqual([...SOURCE_DIRS].sort());
    expect([...sizes.keys()].some((file) => file.endsWith('.test.ts'))).toBe(false);
  });
});
