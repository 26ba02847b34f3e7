/**
 * Added latency over a direct call, at concurrency 1: ours and the Portkey gateway in the same run.
 *
 *   npm run bench:overhead [-- --requests 5000] [--no-redis] [--no-portkey] [--cpu-prof DIR]
 *
 * One request at a time, round-robin over direct / ours / Portkey (the order rotates every round),
 * each over its own keep-alive connection, after a warm-up. Every request is unique, so our exact
 * cache misses (and stores) every time. "Added" is a percentile through the gateway minus the same
 * percentile direct. --cpu-prof writes a V8 CPU profile of our gateway's process into DIR.
 */
import { keepAliveAgent, send } from './support/load';
import { ascending, machineLoad, ms, percentile, printTable } from './support/stats';
import { startBench, type Target } from './support/targets';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const REQUESTS = option('--requests', 3_000);
const WARMUP = option('--warmup', 500);
const profileDir = args.includes('--cpu-prof') ? args[args.indexOf('--cpu-prof') + 1] : undefined;

async function main(): Promise<void> {
  const bench = await startBench({
    redis: !args.includes('--no-redis'),
    portkey: !args.includes('--no-portkey'),
    oursNodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : undefined,
  });
  const targets = [bench.direct, bench.ours, bench.portkey].filter((t): t is Target => t !== undefined);
  const agents = new Map(targets.map((t) => [t.name, keepAliveAgent(1)]));
  const samples = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  const cpuAtStart = new Map<string, number>();
  const cpuPerRequest = new Map<string, number>();
  let redisWrites: [number | undefined, number | undefined] = [undefined, undefined];
  try {
    for (let i = 0; i < WARMUP + REQUESTS; i++) {
      if (i === WARMUP) {
        for (const t of targets) if (t.child) cpuAtStart.set(t.name, t.child.cpuMs());
        redisWrites[0] = await bench.ours.child!.redisWrites();
      }
      for (let k = 0; k < targets.length; k++) {
        const target = targets[(i + k) % targets.length];
        const result = await send(target, agents.get(target.name)!, i);
        if (result.status !== 200) throw new Error(`${target.name} answered ${result.status} to request ${i}`);
        if (i >= WARMUP) samples.get(target.name)!.push(result.totalMs);
      }
    }
    redisWrites = [redisWrites[0], await bench.ours.child!.redisWrites()];
    for (const t of targets) {
      if (t.child) cpuPerRequest.set(t.name, ((t.child.cpuMs() - cpuAtStart.get(t.name)!) * 1000) / REQUESTS);
    }
  } finally {
    for (const agent of agents.values()) agent.destroy();
    await bench.close();
  }

  const sorted = new Map([...samples].map(([name, values]) => [name, ascending(values)]));
  const at = (name: string, p: number) => percentile(sorted.get(name)!, p);
  console.log(`\nAdded latency at concurrency 1, ${REQUESTS} requests per path after ${WARMUP} warm-up`);
  console.log(`${bench.describe}\n${machineLoad()}\n`);
  const rows = [50, 95, 99].map((p) => [
    `p${p}`,
    ms(at('direct', p)),
    ms(at('ours', p)),
    ms(at('ours', p) - at('direct', p)),
    ...(bench.portkey ? [ms(at('portkey', p)), ms(at('portkey', p) - at('direct', p))] : []),
  ]);
  printTable(
    [
      'percentile',
      'direct (ms)',
      'ours (ms)',
      'ours added (ms)',
      ...(bench.portkey ? ['Portkey (ms)', 'Portkey added (ms)'] : []),
    ],
    rows,
  );
  console.log(
    `\nCPU time per request in the gateway's process (less sensitive to a busy machine than latency): ` +
      [...cpuPerRequest].map(([name, us]) => `${name} ${us.toFixed(0)} µs`).join(', '),
  );
  if (redisWrites[0] !== undefined && redisWrites[1] !== undefined) {
    const perRequest = (redisWrites[1] - redisWrites[0]) / REQUESTS;
    console.log(`Sequential round trips to Redis per request (ours, auto-pipelined batches): ${perRequest.toFixed(2)}`);
  }
  console.log('Goal: ours added p50 <= 0.3 ms, p99 <= 0.6 ms.');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
