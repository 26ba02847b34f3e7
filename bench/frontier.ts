/**
 * Throughput frontier: the highest request rate at which a gateway pinned to one core keeps its
 * added p99 under a bound, open-loop (no coordinated omission), for ours and Portkey in one run.
 *
 *   npm run bench:frontier [-- --seconds 5] [--bound-ms 5] [--no-portkey] [--no-redis] [--no-pin]
 *
 * At each rate, in ascending steps: one warm-up second, then `--seconds` of requests on a fixed
 * schedule straight to the mock provider (the baseline at that rate), then the same through the
 * gateway. A step passes when every request succeeded, the answers kept up with the schedule
 * (achieved >= 97% of the rate) and the gateway's p99 minus the direct p99 stayed under the bound.
 * Steps go on until the gateway no longer keeps up (a virtual machine that parks idle vCPUs can make
 * low rates slower than higher ones, so one slow step does not end the search). The frontier is the
 * highest rate that passed; the highest rate kept up with is printed too.
 */
import { openLoop, type OpenLoopResult } from './support/load';
import { count, machineLoad, ms, percentile, printTable } from './support/stats';
import { startBench, type Target } from './support/targets';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const SECONDS = option('--seconds', 5);
const BOUND_MS = option('--bound-ms', 5);
const RATES = [100, 200, 400, 600, 800, 1_000, 1_500, 2_000, 2_500, 3_000, 3_500, 4_000, 5_000, 6_000, 8_000, 10_000];

interface Step {
  rate: number;
  direct: OpenLoopResult;
  through: OpenLoopResult;
  addedP99: number;
  passed: boolean;
}

let nextIndex = 0;
async function measure(target: Target, rate: number): Promise<OpenLoopResult> {
  await openLoop(target, rate, 1, { firstIndex: nextIndex });
  nextIndex += rate;
  const result = await openLoop(target, rate, SECONDS, { firstIndex: nextIndex });
  nextIndex += result.sent;
  return result;
}

const keptUp = (r: OpenLoopResult) => r.errors === 0 && r.achievedRate >= 0.97 * r.rate;

async function frontier(direct: Target, gateway: Target): Promise<Step[]> {
  const steps: Step[] = [];
  for (const rate of RATES) {
    const baseline = await measure(direct, rate);
    const through = await measure(gateway, rate);
    const addedP99 = percentile(through.latencies, 99) - percentile(baseline.latencies, 99);
    const passed = keptUp(baseline) && keptUp(through) && addedP99 < BOUND_MS;
    steps.push({ rate, direct: baseline, through, addedP99, passed });
    const stop = !keptUp(through) || !keptUp(baseline);
    console.error(
      `${gateway.name} @ ${rate}/s: added p99 ${ms(addedP99, 2)} ms, achieved ${count(through.achievedRate)}/s, errors ${through.errors}${stop ? ' -> stop' : ''}`,
    );
    if (stop) break;
  }
  return steps;
}

function printSteps(name: string, steps: readonly Step[]): { best: number; sustained: number } {
  const best = Math.max(0, ...steps.filter((s) => s.passed).map((s) => s.rate));
  const sustained = Math.max(0, ...steps.filter((s) => keptUp(s.through)).map((s) => s.rate));
  console.log(
    `\n${name}: frontier ${count(best)} requests/s (added p99 < ${BOUND_MS} ms); kept up with ${count(sustained)} requests/s`,
  );
  printTable(
    [
      'rate (req/s)',
      'direct p99 (ms)',
      `${name} p50 (ms)`,
      `${name} p99 (ms)`,
      'added p99 (ms)',
      'achieved/s',
      'errors',
      '',
    ],
    steps.map((s) => [
      count(s.rate),
      ms(percentile(s.direct.latencies, 99), 2),
      ms(percentile(s.through.latencies, 50), 2),
      ms(percentile(s.through.latencies, 99), 2),
      ms(s.addedP99, 2),
      count(s.through.achievedRate),
      s.through.errors,
      s.passed ? 'pass' : keptUp(s.direct) ? 'fail' : 'fail (the baseline did not keep up: load generator limit)',
    ]),
  );
  return { best, sustained };
}

async function main(): Promise<void> {
  const bench = await startBench({ redis: !args.includes('--no-redis'), portkey: !args.includes('--no-portkey') });
  let ours: Step[];
  let portkey: Step[] | undefined;
  try {
    ours = await frontier(bench.direct, bench.ours);
    if (bench.portkey) portkey = await frontier(bench.direct, bench.portkey);
  } finally {
    await bench.close();
  }
  console.log(`\nThroughput frontier, open loop, ${SECONDS} s per step after 1 s of warm-up`);
  console.log(`${bench.describe}\n${machineLoad()}`);
  const oursFigures = printSteps('ours', ours);
  if (portkey) {
    const portkeyFigures = printSteps('Portkey', portkey);
    const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)} x` : 'n/a');
    console.log(
      `\nours / Portkey: frontier ${ratio(oursFigures.best, portkeyFigures.best)}, ` +
        `highest rate kept up with ${ratio(oursFigures.sustained, portkeyFigures.sustained)}`,
    );
  }
  console.log(`Goal: ours >= 3,000 requests/s on one core with added p99 < 5 ms, and >= 5 x Portkey's rate.`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
