import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * The layers are enforced by `npm run lint` (dependency-cruiser, `.dependency-cruiser.cjs`). Each
 * test here writes a module that breaks one rule, runs the same check over it, and expects that rule
 * to fail by name, with its message saying where the thing belongs; the tree itself passes.
 */
const ROOT = path.join(__dirname, '..', '..');
const DEPCRUISE = path.join(ROOT, 'node_modules', '.bin', 'depcruise');
const run = promisify(execFile);

async function cruise(files: readonly string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout } = await run(DEPCRUISE, [...files, '--output-type', 'err-long'], { cwd: ROOT });
    return { ok: true, output: stdout };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** Writes probe modules (path -> source), cruises them, and removes them whatever happens. */
async function probe(files: Record<string, string>): Promise<{ ok: boolean; output: string }> {
  const written = Object.keys(files).map((file) => path.join(ROOT, file));
  try {
    for (const [file, source] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(ROOT, file)), { recursive: true });
      writeFileSync(path.join(ROOT, file), source);
    }
    return await cruise(Object.keys(files));
  } finally {
    for (const file of written) rmSync(file, { force: true });
  }
}

test('the tree passes every rule', async () => {
  const { ok, output } = await cruise(['lambda', 'constructs', 'lib', 'bin', 'pulumi']);
  expect(output).toMatch(/no dependency violations found/);
  expect(ok).toBe(true);
}, 60_000);

const VIOLATIONS: ReadonlyArray<readonly [string, string, Record<string, string>, RegExp]> = [
  [
    'an import cycle, counting type imports',
    'no-cycle',
    {
      'lambda/core/zz-probe-a.lint.ts': "import type { B } from './zz-probe-b.lint';\nexport type A = B[];\n",
      'lambda/core/zz-probe-b.lint.ts': "import type { A } from './zz-probe-a.lint';\nexport type B = { a: A };\n",
    },
    /lambda\/contract\/|ports\.ts/,
  ],
  [
    'the contract importing the core',
    'contract-depends-on-zod-only',
    { 'lambda/contract/zz-probe.lint.ts': "export { Gateway } from '../core/pipeline/gateway';\n" },
    /importing only zod/,
  ],
  [
    'the contract importing a Node built-in',
    'contract-depends-on-zod-only',
    { 'lambda/contract/zz-probe.lint.ts': "export { readFileSync } from 'node:fs';\n" },
    /importing only zod/,
  ],
  [
    'a construct importing runtime code',
    'constructs-import-only-the-contract',
    { 'constructs/zz-probe.lint.ts': "export { TokenLimiter } from '../lambda/core/policy/limits/token-limits';\n" },
    /Move the name or schema it needs into lambda\/contract\//,
  ],
  [
    'a stack importing runtime code',
    'constructs-import-only-the-contract',
    { 'lib/zz-probe.lint.ts': "export { ModelCatalog } from '../lambda/core/config/catalog';\n" },
    /lambda\/contract\//,
  ],
  [
    'the core importing a provider',
    'core-is-closed',
    { 'lambda/core/zz-probe.lint.ts': "export { PROVIDERS } from '../providers/registry';\n" },
    /let lambda\/runtime\/ wire the part in/,
  ],
  [
    'the core importing the composition root',
    'core-is-closed',
    { 'lambda/core/zz-probe.lint.ts': "export { createGateway } from '../runtime/create-gateway';\n" },
    /lambda\/runtime\//,
  ],
  [
    'the core importing a handler',
    'core-is-closed',
    { 'lambda/core/zz-probe.lint.ts': "export { handler } from '../gateway/handler';\n" },
    /knows no provider, handler/,
  ],
  [
    'the core importing Lambda event types',
    'core-knows-nothing-of-lambda',
    { 'lambda/core/zz-probe.lint.ts': "import type { Context } from 'aws-lambda';\nexport type C = Context;\n" },
    /lambda\/adapters\//,
  ],
  [
    'a provider importing the pipeline',
    'providers-use-the-provider-port',
    { 'lambda/providers/zz-probe.lint.ts': "export { Gateway } from '../core/pipeline/gateway';\n" },
    /implements the core provider port/,
  ],
  [
    'a handler importing another handler',
    'handlers-do-not-import-each-other',
    { 'lambda/jobs-api/zz-probe.lint.ts': "export { handler } from '../gateway/handler';\n" },
    /goes to lambda\/runtime\//,
  ],
  [
    'the composition root importing a handler',
    'composition-root-serves-handlers-and-the-local-server',
    { 'lambda/runtime/zz-probe.lint.ts': "export { handler } from '../gateway/handler';\n" },
    /never the other way round/,
  ],
  [
    'a chart importing the CDK',
    'charts-import-neither-constructs-nor-pulumi',
    { 'constructs/model-serving/charts/zz-probe.lint.ts': "export { Stack } from 'aws-cdk-lib';\n" },
    /they import cdk8s/,
  ],
  [
    'the Pulumi program importing a CDK construct',
    'pulumi-imports-the-charts-only',
    { 'pulumi/zz-probe.lint.ts': "export { LlmGateway } from '../constructs/llm-gateway/llm-gateway';\n" },
    /import them, not the CDK constructs/,
  ],
  [
    'production code importing a test double',
    'production-code-imports-no-tests',
    { 'lambda/core/zz-probe.lint.ts': "export { startHarness } from '../../test/gateway/harness';\n" },
    /not part of what is deployed/,
  ],
];

test.each(VIOLATIONS)(
  '%s fails the lint (%s), saying where it belongs',
  async (_, rule, files, says) => {
    const { ok, output } = await probe(files);
    expect(ok).toBe(false);
    expect(output).toContain(`error ${rule}:`);
    expect(output.replace(/\s+/g, ' ')).toMatch(says); // the message is wrapped across lines
  },
  60_000,
);
