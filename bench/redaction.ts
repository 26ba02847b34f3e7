/**
 * What log redaction costs on long strings without an `@` (a client's `model`, a job's body): the
 * e-mail rule used to rescan a run of local-part characters from each of its characters. Each row
 * times `redactText` and the old e-mail rule alone on the same string, beside a baseline measured
 * in the same run: one linear pass over the string (`indexOf('@')`). Linear work shows as a flat
 * cost per 1,000 characters; the old rule's quadruples with each doubling.
 *
 *   npm run bench:redaction [-- --max 80000]
 */
import { redactText } from '../lambda/core/telemetry/redact';
import { machineLoad, ms, printTable } from './support/stats';

const args = process.argv.slice(2);
const MAX = args.includes('--max') ? Number(args[args.indexOf('--max') + 1]) : 80_000;
const OLD_EMAIL_RULE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** The median of `runs` timings of `work`, in milliseconds. */
function median(runs: number, work: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

const rows: string[][] = [];
for (let length = 10_000; length <= MAX; length *= 2) {
  const text = 'm'.repeat(length);
  const baseline = median(21, () => text.indexOf('@'));
  const now = median(21, () => redactText(text));
  // The old rule is quadratic: fewer runs, and none past 40,000 characters unless asked.
  const old = length <= 40_000 || args.includes('--old-all') ? median(3, () => text.replace(OLD_EMAIL_RULE, '')) : NaN;
  rows.push([
    length.toLocaleString('en-US'),
    ms(baseline),
    ms(now),
    ((1000 * now) / (length / 1000)).toFixed(1),
    Number.isNaN(old) ? 'not run' : ms(old, 1),
  ]);
}
console.log(`log redaction of one string with no '@' (${machineLoad()})\n`);
printTable(
  [
    'characters',
    'baseline: indexOf (ms)',
    'redactText (ms)',
    'redactText per 1,000 chars (µs): flat if linear',
    'old e-mail rule alone (ms)',
  ],
  rows,
);
