/**
 * Cold start: the gateway handler's bundle size, and the time to load it over a bare `node`.
 *
 *   npm run bench:cold-start [-- --runs 20]
 *
 * The bundle is built with the options the LlmGateway construct deploys it with
 * (constructs/shared/platform-function.ts: esbuild, minified, node24, ES module entry points, the AWS
 * SDK left to the runtime), plus a metafile that says what its bytes are. Module initialisation
 * is measured two ways, each as the median of `--runs` fresh processes against a bare `node` that
 * loads nothing: the wall time of the whole process, and the time `require` of the bundle takes
 * inside it. `awslambda` (the runtime's global) is stubbed in both.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import { handlerEntry, platformBundling } from '../constructs/shared/platform-function';
import { ROOT } from './support/processes';
import { machineLoad, median, printTable } from './support/stats';

const args = process.argv.slice(2);
const RUNS = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 20;
const CACHE = path.join(ROOT, 'node_modules/.cache/llm-bench');
const outfile = path.join(CACHE, 'handler.js');

const deployed = platformBundling();
const built = buildSync({
  entryPoints: [handlerEntry('gateway/handler.ts')],
  outfile,
  bundle: true,
  minify: deployed.minify,
  platform: 'node',
  target: deployed.target,
  format: 'cjs',
  external: [...(deployed.externalModules ?? [])],
  mainFields: [...(deployed.mainFields ?? [])],
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
const output = Object.values(built.metafile.outputs)[0];
const bundleBytes = output.bytes;
const gzipBytes = gzipSync(readFileSync(outfile)).length;

const byOwner = new Map<string, number>();
for (const [file, info] of Object.entries(output.inputs)) {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  const owner = pkg ? pkg[1] : file.replace(/\/[^/]+$/, '');
  byOwner.set(owner, (byOwner.get(owner) ?? 0) + info.bytesInOutput);
}

const stub = path.join(CACHE, 'awslambda-stub.js');
writeFileSync(
  stub,
  'globalThis.awslambda = { streamifyResponse: (h) => h, HttpResponseStream: { from: (s) => s } };\n',
);
const timedRequire = `const t = performance.now(); require(${JSON.stringify(outfile)}); process.stdout.write(String(performance.now() - t));`;

function wallMs(script: string): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, ['-r', stub, '-e', script], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`node failed: ${run.stderr}`);
  return performance.now() - started;
}

const bare: number[] = [];
const loaded: number[] = [];
const requireMs: number[] = [];
for (let i = 0; i < RUNS; i++) {
  bare.push(wallMs('0'));
  loaded.push(wallMs(`require(${JSON.stringify(outfile)})`));
  const run = spawnSync(process.execPath, ['-r', stub, '-e', timedRequire], { cwd: ROOT, encoding: 'utf8' });
  requireMs.push(Number(run.stdout));
}

console.log(`Cold start of lambda/gateway/handler.ts, ${RUNS} fresh processes each; ${machineLoad()}\n`);
printTable(
  ['', 'value'],
  [
    ['bundle, minified (bytes)', bundleBytes.toLocaleString('en-US')],
    ['bundle, gzip (bytes)', gzipBytes.toLocaleString('en-US')],
    ['bare node process, wall (ms, median)', median(bare).toFixed(1)],
    ['node + require(bundle), wall (ms, median)', median(loaded).toFixed(1)],
    ['module initialisation over bare node (ms)', (median(loaded) - median(bare)).toFixed(1)],
    ['require(bundle) inside the process (ms, median)', median(requireMs).toFixed(1)],
  ],
);
console.log('\nGoals: bundle <= 250 kB, initialisation <= 25 ms.\n');
printTable(
  ['bundle bytes by package or folder', 'bytes'],
  [...byOwner]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([owner, bytes]) => [owner, bytes.toLocaleString('en-US')]),
);
const externals = [
  ...new Set(output.imports.filter((i) => i.external && !i.path.startsWith('node:')).map((i) => i.path)),
];
console.log(`\nLeft to the runtime (loaded at initialisation when imported at the top): ${externals.join(', ')}`);
