/**
 * `npm run build` (and `npm pack`, through `prepack`): writes the package to `dist/`.
 * - `tsc -p tsconfig.build.json`, in a child process meanwhile: the constructs, the contract and the
 *   Pulumi component, compiled with declarations.
 * - Every platform handler bundled once, through the very NodejsFunction the constructs create from
 *   source (so with the options they deploy with), copied to `dist/handlers/<name>/`, where the
 *   compiled constructs take it with `lambda.Code.fromAsset`.
 * - The data the constructs read at synth (the router model), copied to `dist/data/`.
 *
 *   npm run build
 */
import { App, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { PLATFORM_HANDLERS, platformFunction, type PlatformHandler } from '../constructs/shared/platform-function';

const ROOT = path.join(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
/** The data files the constructs read at synth, relative to the repository root. */
const SYNTH_DATA = ['data/router/model.json'];

/**
 * Bundles each handler into a scratch assembly inside `dist/` (so the source maps' relative paths do
 * not depend on where the repository is checked out) and returns the staged folder of each.
 */
function bundleHandlers(outdir: string): Map<PlatformHandler, string> {
  const context = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context;
  // A scratch assembly only for its bundles: its template is thrown away, so it is not validated.
  const app = new App({ outdir, context, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Handlers');
  const functions = (Object.keys(PLATFORM_HANDLERS) as PlatformHandler[]).map((handler) => {
    const fn = platformFunction(stack, handler, handler, {});
    if (!(fn instanceof nodejs.NodejsFunction)) {
      throw new Error(`${handler}: run this script from the TypeScript sources (npm run build), not from dist/`);
    }
    return [handler, fn] as const;
  });
  const assembly = app.synth();
  return new Map(
    functions.map(([handler, fn]) => {
      const code = stack.resolve((fn.node.defaultChild as lambda.CfnFunction).code) as { s3Key: string };
      return [handler, path.join(assembly.directory, `asset.${code.s3Key.replace(/\.zip$/, '')}`)];
    }),
  );
}

/** Compiles the constructs with declarations; resolves with tsc's exit code. */
function compile(): Promise<number> {
  const tsc = spawn(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  return new Promise((resolve) => tsc.on('close', (code) => resolve(code ?? 1)));
}

rmSync(DIST, { recursive: true, force: true });
const compiled = compile();
const scratch = path.join(DIST, '.handler-assembly');
try {
  for (const [handler, staged] of bundleHandlers(scratch)) {
    const target = path.join(DIST, 'handlers', handler);
    mkdirSync(target, { recursive: true });
    cpSync(staged, target, { recursive: true });
    console.log(`dist/handlers/${handler}: ${readdirSync(target).join(', ')}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
for (const file of SYNTH_DATA) {
  mkdirSync(path.dirname(path.join(DIST, file)), { recursive: true });
  cpSync(path.join(ROOT, file), path.join(DIST, file));
  console.log(`dist/${file}`);
}
void compiled.then((code) => {
  if (code !== 0) {
    console.error(`tsc -p tsconfig.build.json failed (exit code ${code})`);
    process.exitCode = code;
  }
});
