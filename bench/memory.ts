/**
 * Memory: the gateway's resident set size under a steady 1,000 requests/s, and how it grows over a
 * soak, for ours and Portkey in the same run, beside an idle bare `node` process.
 *
 *   npm run bench:memory [-- --rate 1000] [--seconds 60] [--no-portkey] [--no-redis]
 *
 * Open-loop load (bench/support/load.ts) at `--rate` for `--seconds` against each gateway in turn,
 * RSS read from /proc every second. "Steady" is the median RSS after the first 10 seconds; growth is
 * the least-squares slope of RSS over that same period, in MB per minute (a leak shows as a slope
 * that does not flatten with a longer soak).
 */
import { spawn } from 'node:child_process';
import { openLoop, type OpenLoopResult } from './support/load';
import { pinnedTo, rssOf } from './support/processes';
import { count, machineLoad, median, printTable } from './support/stats';
import { GATEWAY_CPU, startBench, type Target } from './support/targets';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const RATE = option('--rate', 1_000);
const SECONDS = option('--seconds', 60);
const SETTLE_S = Math.min(10, Math.floor(SECONDS / 3));
const MB = 1024 * 1024;

interface Soak {
  name: string;
  memory?: NodeJS.MemoryUsage;
  samples: Array<{ t: number; rss: number }>;
  load: OpenLoopResult;
  idleRss: number;
}

function slopePerMinute(samples: ReadonlyArray<{ t: number; rss: number }>): number {
  const n = samples.length;
  const mt = samples.reduce((a, s) => a + s.t, 0) / n;
  const mr = samples.reduce((a, s) => a + s.rss, 0) / n;
  const cov = samples.reduce((a, s) => a + (s.t - mt) * (s.rss - mr), 0);
  const vt = samples.reduce((a, s) => a + (s.t - mt) ** 2, 0);
  return vt === 0 ? 0 : (cov / vt) * 60;
}

async function soak(target: Target): Promise<Soak> {
  const child = target.child!;
  const idleRss = child.rssBytes();
  const samples: Array<{ t: number; rss: number }> = [];
  const started = performance.now();
  const timer = setInterval(
    () => samples.push({ t: (performance.now() - started) / 1000, rss: child.rssBytes() }),
    1_000,
  );
  const load = await openLoop(target, RATE, SECONDS, { firstIndex: 0 });
  clearInterval(timer);
  return { name: target.name, samples, load, idleRss, memory: await child.memoryUsage() };
}

async function bareNodeRss(): Promise<number> {
  const [command, argv] = pinnedTo(GATEWAY_CPU, process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
  const child = spawn(command, argv, { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const rss = rssOf(child.pid!);
  child.kill();
  return rss;
}

async function main(): Promise<void> {
  const bench = await startBench({ redis: !args.includes('--no-redis'), portkey: !args.includes('--no-portkey') });
  const soaks: Soak[] = [];
  let bare: number;
  try {
    bare = await bareNodeRss();
    soaks.push(await soak(bench.ours));
    if (bench.portkey) soaks.push(await soak(bench.portkey));
  } finally {
    await bench.close();
  }
  console.log(`\nMemory at ${count(RATE)} requests/s for ${SECONDS} s, open loop`);
  console.log(`${bench.describe}\n${machineLoad()}\n`);
  printTable(
    ['process', 'idle RSS (MB)', 'steady RSS (MB)', 'max RSS (MB)', 'growth (MB/min)', 'achieved/s', 'errors'],
    [
      ['bare node (baseline)', (bare / MB).toFixed(1), '', '', '', '', ''],
      ...soaks.map((s) => {
        const steady = s.samples.filter((x) => x.t >= SETTLE_S);
        return [
          s.name,
          (s.idleRss / MB).toFixed(1),
          (median(steady.map((x) => x.rss)) / MB).toFixed(1),
          (Math.max(...s.samples.map((x) => x.rss)) / MB).toFixed(1),
          (slopePerMinute(steady) / MB).toFixed(2),
          count(s.load.achievedRate),
          s.load.errors,
        ];
      }),
    ],
  );
  for (const s of soaks.filter((x) => x.memory)) {
    const m = s.memory!;
    console.log(
      `\n${s.name} at the end: V8 heap used ${(m.heapUsed / MB).toFixed(1)} MB of ${(m.heapTotal / MB).toFixed(1)} MB, ` +
        `external ${(m.external / MB).toFixed(1)} MB, array buffers ${(m.arrayBuffers / MB).toFixed(1)} MB`,
    );
  }
  console.log(`\nSteady and growth are measured after the first ${SETTLE_S} s. Goal: ours <= 80 MB steady.`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
