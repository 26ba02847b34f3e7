/**
 * Traffic-policy figures against the Redis on 127.0.0.1:6379, each beside a baseline from the same run.
 *
 *   npx tsx bench/policy.ts
 *
 * 1. Token-limit decisions per second from one process (8,000 in flight at a time, auto-pipelined),
 *    against plain INCRs sent the same way.
 * 2. Latency per decision at concurrency 1 (p50/p99), against one INCR round trip.
 * 3. Exact-cache hit: ExactCache.lookup (key derivation, GET, JSON parse) against a bare GET.
 */
import Redis from 'ioredis';
import type { CallFacts } from '../lambda/core/pipeline/policy';
import { ExactCache, RedisCacheStore, exactCacheSchema } from '../lambda/core/policy/cache/exact-cache';
import { exactCacheKey } from '../lambda/core/policy/cache/exact-key';
import { RedisBucketStore } from '../lambda/core/policy/limits/redis-bucket-store';

const prefix = `bench:${process.pid}:`;
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function throughput(label: string, total: number, inFlight: number, op: (i: number) => Promise<unknown>) {
  const started = performance.now();
  for (let done = 0; done < total; done += inFlight) {
    await Promise.all(Array.from({ length: Math.min(inFlight, total - done) }, (_, i) => op(done + i)));
  }
  const perSecond = total / ((performance.now() - started) / 1000);
  return { label, perSecond };
}

async function latency(label: string, count: number, op: (i: number) => Promise<unknown>) {
  for (let i = 0; i < 500; i++) await op(i);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await op(i);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { label, p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function main(): Promise<void> {
  const redis = new Redis('redis://127.0.0.1:6379', { enableAutoPipelining: true });
  const buckets = new RedisBucketStore(redis, prefix);
  const bucket = (i: number) => [
    { id: `tenant:t${i % 100}:minute`, name: 'b', group: `t${i % 100}`, limit: 1e12, windowMs: 60_000 },
    { id: `tenant:t${i % 100}:day`, name: 'b', group: `t${i % 100}`, limit: 1e12, windowMs: 86_400_000 },
  ];

  const rates = [
    await throughput('INCR (baseline)', 200_000, 8_000, (i) => redis.incr(`${prefix}incr:${i % 100}`)),
    await throughput('token-limit decision (2 buckets)', 200_000, 8_000, (i) => buckets.reserve(bucket(i), 100)),
  ];
  console.log('| one process, auto-pipelined | decisions/s |');
  console.log('| --- | ---: |');
  for (const r of rates) console.log(`| ${r.label} | ${Math.round(r.perSecond).toLocaleString('en-US')} |`);

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

  const rows = [
    await latency('INCR round trip (baseline)', 5_000, (i) => redis.incr(`${prefix}incr:${i % 100}`)),
    await latency('token-limit decision (2 buckets)', 5_000, (i) => buckets.reserve(bucket(i), 100)),
    await latency('GET of a 1.7 kB answer (baseline)', 5_000, () => redis.get(rawKey)),
    await latency('exact-cache hit (key + GET + parse)', 5_000, () => cache.lookup(facts)),
  ];
  console.log('\n| concurrency 1 | p50 (ms) | p99 (ms) |');
  console.log('| --- | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.label} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} |`);

  const keys = await redis.keys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  redis.disconnect();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
