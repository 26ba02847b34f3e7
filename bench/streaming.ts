/**
 * Streaming: time to first token and the gap between chunks, direct and through each gateway, in
 * one run.
 *
 *   npm run bench:stream [-- --requests 300] [--chunks 20] [--gap-ms 2] [--no-portkey] [--no-redis]
 *
 * The mock provider streams `--chunks` content chunks `--gap-ms` apart (plus role, finish and usage
 * chunks). One stream at a time, round-robin over direct / ours / Portkey. Time to first token is
 * from sending the request to the first content chunk at the client; a gap is the time between two
 * consecutive content chunks at the client. "Added" is the gateway's percentile minus direct's.
 */
import { keepAliveAgent, send } from './support/load';
import { ascending, machineLoad, mean, ms, percentile, printTable } from './support/stats';
import { startBench, type Target } from './support/targets';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const REQUESTS = option('--requests', 300);
const CHUNKS = option('--chunks', 20);
const GAP_MS = option('--gap-ms', 2);
const WARMUP = 50;

async function main(): Promise<void> {
  const bench = await startBench({
    redis: !args.includes('--no-redis'),
    portkey: !args.includes('--no-portkey'),
    streamChunks: CHUNKS,
    streamGapMs: GAP_MS,
  });
  const targets = [bench.direct, bench.ours, bench.portkey].filter((t): t is Target => t !== undefined);
  const agents = new Map(targets.map((t) => [t.name, keepAliveAgent(1)]));
  const firstToken = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  const gaps = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  try {
    for (let i = 0; i < WARMUP + REQUESTS; i++) {
      for (let k = 0; k < targets.length; k++) {
        const target = targets[(i + k) % targets.length];
        const result = await send(target, agents.get(target.name)!, i, { stream: true });
        if (result.status !== 200 || result.firstTokenMs === undefined || result.gapsMs!.length !== CHUNKS - 1) {
          throw new Error(`${target.name}: status ${result.status}, ${result.gapsMs?.length ?? 0} gaps to stream ${i}`);
        }
        if (i < WARMUP) continue;
        firstToken.get(target.name)!.push(result.firstTokenMs);
        gaps.get(target.name)!.push(...result.gapsMs!);
      }
    }
  } finally {
    for (const agent of agents.values()) agent.destroy();
    await bench.close();
  }
  const sorted = (m: Map<string, number[]>) => new Map([...m].map(([name, v]) => [name, ascending(v)]));
  const ttft = sorted(firstToken);
  const gap = sorted(gaps);
  const names = targets.map((t) => t.name).filter((n) => n !== 'direct');
  console.log(
    `\nStreaming, concurrency 1, ${REQUESTS} streams per path after ${WARMUP} warm-up; ${CHUNKS} chunks ${GAP_MS} ms apart`,
  );
  console.log(`${bench.describe}\n${machineLoad()}\n`);
  const rows: Array<Array<string>> = [];
  for (const [label, data] of [
    ['time to first token', ttft],
    ['gap between chunks', gap],
  ] as const) {
    for (const p of [50, 99]) {
      const direct = percentile(data.get('direct')!, p);
      rows.push([
        `${label} p${p}`,
        ms(direct),
        ...names.flatMap((n) => [ms(percentile(data.get(n)!, p)), ms(percentile(data.get(n)!, p) - direct)]),
      ]);
    }
    const direct = mean(data.get('direct')!);
    rows.push([
      `${label} mean`,
      ms(direct),
      ...names.flatMap((n) => [ms(mean(data.get(n)!)), ms(mean(data.get(n)!) - direct)]),
    ]);
  }
  printTable(['', 'direct (ms)', ...names.flatMap((n) => [`${n} (ms)`, `${n} added (ms)`])], rows);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
