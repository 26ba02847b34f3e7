/**
 * The second half of `npm run build` (after `tsc -p tsconfig.build.json` has written the compiled
 * constructs to `dist/`): bundles every platform handler once, through the very NodejsFunction the
 * constructs create from source (so with the options they deploy with), and copies each bundle to
 * `dist/handlers/<name>/`, where the compiled constructs take it with `lambda.Code.fromAsset`. Also
 * copies the data the constructs read at synth (the router model) to `dist/data/`.
 *
 *   npm run build
 */
import { App, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
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
  const app = new App({ outdir, context });
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

const scratch = path.join(DIST, '.handler-assembly');
rmSync(path.join(DIST, 'handlers'), { recursive: true, force: true });
rmSync(scratch, { recursive: true, force: true });
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
