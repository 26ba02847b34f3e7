import { build } from 'esbuild';
import path from 'node:path';

/**
 * What importing the constructs loads: bundling `constructs/index.ts` (Node, packages left external)
 * and reading esbuild's metafile lists every source module it pulls in and every package it needs.
 * The only runtime code among them is the contract; the runtime's packages (Redis, Postgres, the AWS
 * SDK, Powertools) are not needed to synthesize.
 */
const ROOT = path.join(__dirname, '..', '..');

let inputs: string[];
let packages: string[];

beforeAll(async () => {
  const result = await build({
    entryPoints: [path.join(ROOT, 'constructs/index.ts')],
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    packages: 'external',
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  inputs = Object.keys(result.metafile.inputs);
  packages = [
    ...new Set(
      Object.values(result.metafile.outputs).flatMap((output) =>
        output.imports.filter((i) => i.external).map((i) => i.path),
      ),
    ),
  ];
}, 60_000);

test('the construct entry point loads no module of lambda/ but the contract', () => {
  const runtime = inputs.filter((input) => input.startsWith('lambda/') && !input.startsWith('lambda/contract/'));
  expect(runtime).toEqual([]);
  expect(inputs.some((input) => input.startsWith('lambda/contract/'))).toBe(true); // the check sees lambda/ at all
});

test('nor any package the runtime needs', () => {
  const runtimePackages = packages.filter((name) =>
    /^(ioredis|pg|@electric-sql|@aws-sdk|@smithy|@aws-lambda-powertools|cockatiel|eventsource-parser|standardwebhooks|@langchain|node:(net|dns|http|https))(\/|$)/.test(
      name,
    ),
  );
  expect(runtimePackages).toEqual([]);
});
