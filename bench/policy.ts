/**
 * Traffic-policy figures, each beside a baseline from the same run, against a redis-server of this
 * benchmark's own (pinned to CPU 0 with taskset, this process to CPU 1; the shared one on 6379
 * carries other work) or --redis-url URL.
 *
 *   npm run bench:policy [-- --redis-url redis://127.0.0.1:6379] [--samples 10000]
 *
 * 1. Token-limit decisions per second from one process (8,000 in flight at a time, auto-pipelined),
 *    against plain INCRs sent the same way.
 * 2. Latency at concurrency 1 (p50/p99): a token-limit decision against one INCR round trip, and an
 *    exact-cache hit (ExactCache.lookup: key derivation, GET, JSON parse) against a bare GET of the
 *    same value. Each pair is interleaved (baseline, subject, baseline, ...) so both see the same
 *    machine; "added" is the subject's percentile minus the baseline's.
 */
import Redis from 'ioredis';
import { startDisposableRedis } from '../test/support/redis-server';
import { CLIENT_CPU, GATEWAY_CPU } from './support/targets';
import { pinSelf } from './support/processes';
import { ascending, machineLoad, percentile, printTable } from './support/stats';
import type { CallFacts } from '../lambda/core/pipeline/ports';
import { ExactCache, RedisCacheStore } from '../lambda/core/policy/cache/exact-cache';
import { exactCacheSchema } from '../lambda/contract/config/exact-cache';
import { exactCacheKey } from '../lambda/core/policy/cache/exact-key';
import { RedisBucketStore } from '../lambda/core/policy/limits/redis-bucket-store';

const prefix = `bench:${process.pid}:`;
const args = process.argv.slice(2);
const redisUrlArg = args.includes('--redis-url') ? args[args.indexOf('--redis-url') + 1] : undefined;
const SAMPLES = args.includes('--samples') ? Number(args[args.indexOf('--samples') + 1]) : 10_000;

async function throughput(label: string, total: number, inFlight: number, op: (i: number) => Promise<unknown>) {
  const started = performance.now();
  for (let done = 0; done < total; done += inFlight) {
    await Promise.all(Array.from({ length: Math.min(inFlight, total - done) }, (_, i) => op(done + i)));
  }
  const perSecond = total / ((performance.now() - started) / 1000);
  return { label, perSecond };
}

/** Interleaved samples of a baseline and a subject at concurrency 1, after 1,000 warm-up pairs. */
async function pair(
  baseline: (i: number) => Promise<unknown>,
  subject: (i: number) => Promise<unknown>,
): Promise<{ base: number[]; subject: number[] }> {
  const base: number[] = [];
  const measured: number[] = [];
  for (let i = -1_000; i < SAMPLES; i++) {
    let started = performance.now();
    await baseline(i);
    const b = performance.now() - started;
    started = performance.now();
    await subject(i);
    const s = performance.now() - started;
    if (i >= 0) {
      base.push(b);
      measured.push(s);
    }
  }
  return { base: ascending(base), subject: ascending(measured) };
}

async function main(): Promise<void> {
  pinSelf(CLIENT_CPU);
  const own = redisUrlArg ? undefined : await startDisposableRedis({ cpu: GATEWAY_CPU });
  const redis = new Redis(redisUrlArg ?? own!.url, { enableAutoPipelining: true });
  const buckets = new RedisBucketStore(redis, prefix);
  const bucket = (i: number) => [
    { id: `tenant:t${i % 100}:minute`, name: 'b', group: `t${i % 100}`, limit: 1e12, windowMs: 60_000 },
    { id: `tenant:t${i % 100}:day`, name: 'b', group: `t${i % 100}`, limit: 1e12, windowMs: 86_400_000 },
  ];

  const rates = [
    await throughput('INCR (baseline)', 200_000, 8_000, (i) => redis.incr(`${prefix}incr:${i % 100}`)),
    await throughput('token-limit decision (2 buckets)', 200_000, 8_000, (i) => buckets.reserve(bucket(i), 100)),
  ];
  console.log(
    `Traffic policy against Redis at ${redisUrlArg ?? `a redis-server of our own (CPU ${GATEWAY_CPU}, this process on CPU ${CLIENT_CPU})`}`,
  );
  console.log(`${machineLoad()}\n`);
  printTable(
    ['one process, auto-pipelined', 'decisions/s'],
    rates.map((r) => [r.label, Math.round(r.perSecond).toLocaleString('en-US')]),
  );

  const cache = new ExactCache(exactCacheSchema.parse({}), new RedisCacheStore(redis, prefix));
  const request = {
    model: 'm',
    messages: [{ role: 'user' as const, content: 'What is our refund policy?' }],
    temperature: 0,
  };
  const facts = {
    requestId: 'r',
    identity: { tenant: 't' },
    request,
    model: { name: 'chat', entry: {}, deployments: [] },
    headers: {},
  } as unknown as CallFacts;
  const completion = {
    id: 'c',
    object: 'chat.completion' as const,
    created: 0,
    model: 'm',
    choices: [
      { index: 0, message: { role: 'assistant' as const, content: 'x'.repeat(1_500) }, finish_reason: 'stop' as const },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 400, total_tokens: 410 },
  };
  await cache.store(facts, completion);
  const rawKey = `${prefix}cache:${exactCacheKey('t', 'chat', request)}`;

  const limiter = await pair(
    (i) => redis.incr(`${prefix}incr:${i % 100}`),
    (i) => buckets.reserve(bucket(i), 100),
  );
  const cached = await pair(
    () => redis.get(rawKey),
    () => cache.lookup(facts),
  );
  const rows = [
    ['INCR round trip (baseline)', limiter.base],
    ['token-limit decision (2 buckets)', limiter.subject],
    ['GET of a 1.7 kB answer (baseline)', cached.base],
    ['exact-cache hit (key + GET + parse)', cached.subject],
  ] as const;
  console.log(`\nconcurrency 1, ${SAMPLES.toLocaleString('en-US')} interleaved pairs after 1,000 warm-up`);
  printTable(
    ['concurrency 1', 'p50 (ms)', 'p99 (ms)'],
    rows.map(([label, sorted]) => [label, percentile(sorted, 50).toFixed(3), percentile(sorted, 99).toFixed(3)]),
  );
  const added = (pairOf: { base: number[]; subject: number[] }, p: number) =>
    (percentile(pairOf.subject, p) - percentile(pairOf.base, p)).toFixed(3);
  console.log(
    `\nadded over the baseline: token-limit decision p50 ${added(limiter, 50)} ms, p99 ${added(limiter, 99)} ms; ` +
      `exact-cache hit p50 ${added(cached, 50)} ms, p99 ${added(cached, 99)} ms (goal: cache hit p99 within 0.2 ms of a GET)`,
  );

  const keys = await redis.keys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  redis.disconnect();
  await own?.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
