/**
 * A second OS process for the exactness test: fires `count` concurrent one-token reservations at
 * the shared Redis bucket and prints how many were admitted.
 * Usage: tsx reserve-child.ts <redis-url> <prefix> <group> <limit> <windowMs> <count>
 */
import Redis from 'ioredis';
import { RedisBucketStore } from '../../lambda/core/policy/limits/redis-bucket-store';

async function main(): Promise<void> {
  const [url, prefix, group, limit, windowMs, count] = process.argv.slice(2);
  const redis = new Redis(url, { enableAutoPipelining: true });
  const store = new RedisBucketStore(redis, prefix);
  const bucket = { id: 'tenant:t:hour', name: 'test', group, limit: Number(limit), windowMs: Number(windowMs) };
  const results = await Promise.all(Array.from({ length: Number(count) }, () => store.reserve([bucket], 1)));
  process.stdout.write(String(results.filter((r) => r.admitted).length));
  redis.disconnect();
}

main().catch((error) => {
  process.stderr.write(String(error));
  process.exit(1);
});
