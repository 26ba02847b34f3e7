/**
 * `cdk synth` wall time: every environment's templates and manifests, the cdk-nag rule packs
 * included, beside what the same command costs before it synthesizes anything (the CLI starting and
 * answering --version) and the CDK app's interpreter starting on an empty script.
 *
 *   npm run bench:synth [-- --runs 3]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROOT } from './support/processes';
import { machineLoad, median, printTable } from './support/stats';

const args = process.argv.slice(2);
const RUNS = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 3;

function wallSeconds(command: string, commandArgs: string[]): number {
  const started = performance.now();
  const run = spawnSync(command, commandArgs, { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')} failed:\n${run.stderr}`);
  return (performance.now() - started) / 1000;
}

const rows: Array<[string, number[]]> = [
  ['npx cdk --version (the CLI alone, baseline)', []],
  ["npx tsx -e '' (the app's interpreter, baseline)", []],
  ['npx cdk synth -q (every stage, rule packs included)', []],
];
for (let i = 0; i < RUNS; i++) {
  rows[0][1].push(wallSeconds('npx', ['cdk', '--version']));
  rows[1][1].push(wallSeconds('npx', ['tsx', '-e', '']));
  const out = mkdtempSync(path.join(tmpdir(), 'llm-bench-synth-'));
  try {
    rows[2][1].push(wallSeconds('npx', ['cdk', 'synth', '-q', '--output', out]));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
console.log(`cdk synth wall time, ${RUNS} runs each; ${machineLoad()}\n`);
printTable(
  ['command', 'median (s)', 'min (s)'],
  rows.map(([label, s]) => [label, median(s).toFixed(2), Math.min(...s).toFixed(2)]),
);
