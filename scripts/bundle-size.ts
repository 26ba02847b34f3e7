/**
 * Prints the size of every function bundle the platform deploys, exactly as the constructs build
 * them: synthesizes every environment of the app (as `npx cdk synth` does) into a scratch assembly
 * and measures each NodejsFunction's staged index.js. A function with the same bundle in several
 * environments is one asset, listed once with the paths that use it.
 *
 *   npm run bundle:size
 */
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { readFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { IConstruct } from 'constructs';
import { ENVIRONMENTS } from '../lib/config/environments';
import { addPlatformStages } from '../lib/platform-app';

const GATEWAY_GOAL_BYTES = 250_000;

const outdir = mkdtempSync(path.join(tmpdir(), 'bundle-size-'));
try {
  const context = JSON.parse(readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')).context;
  const app = new App({ outdir, context: { ...context, nag: false } });
  addPlatformStages(app, ENVIRONMENTS);
  const assembly = app.synth();

  const bundles = new Map<string, { bytes: number; map: number; users: string[] }>();
  const visit = (node: IConstruct) => {
    if (node instanceof nodejs.NodejsFunction) {
      const stack = Stack.of(node);
      const code = stack.resolve((node.node.defaultChild as lambda.CfnFunction).code) as { s3Key: string };
      const asset = `asset.${code.s3Key.replace(/\.zip$/, '')}`;
      // Assets are staged once, in the app's own directory, whichever stage uses them.
      const dir = path.join(assembly.directory, asset);
      const entry = bundles.get(asset) ?? {
        bytes: statSync(path.join(dir, 'index.js')).size,
        map: statSync(path.join(dir, 'index.js.map')).size,
        users: [],
      };
      entry.users.push(node.node.path);
      bundles.set(asset, entry);
    }
    for (const child of node.node.children) visit(child);
  };
  visit(app);

  const rows = [...bundles.values()].sort((a, b) => b.bytes - a.bytes);
  console.log('| function (construct path, first environment) | index.js (bytes) | source map (bytes) |');
  console.log('| --- | ---: | ---: |');
  for (const row of rows) {
    const first = row.users[0].replace(/\/Resource$/, '');
    const more = row.users.length > 1 ? ` (+${row.users.length - 1} more)` : '';
    console.log(`| ${first}${more} | ${row.bytes.toLocaleString('en-US')} | ${row.map.toLocaleString('en-US')} |`);
  }
  const gateway = rows.find((row) => row.users.some((user) => user.endsWith('/Gateway/Function')));
  if (gateway) {
    const verdict = gateway.bytes <= GATEWAY_GOAL_BYTES ? 'met' : 'NOT met';
    console.log(
      `\nGateway bundle ${gateway.bytes.toLocaleString('en-US')} bytes; goal <= ${GATEWAY_GOAL_BYTES.toLocaleString('en-US')}: ${verdict}.`,
    );
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
