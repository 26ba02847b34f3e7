import type Redis from 'ioredis';
import type { Bucket, BucketStore, Refused, Reserved } from './bucket-store';

/**
 * Buckets in Redis. One Lua script per decision, timed by the Redis server's clock: it finds each
 * bucket's current window, refuses if any would go over, and otherwise takes the tokens from all.
 * Keys carry the tenant as a hash tag (`{tenant}`), so one call's keys share a slot in cluster mode.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS
local tokens = tonumber(ARGV[1])
local keys = {}
local windows = {}
for i = 1, n do
  local window = tonumber(ARGV[1 + n + i])
  local index = math.floor(now / window)
  local key = KEYS[i] .. ':' .. index
  local used = tonumber(redis.call('GET', key) or '0')
  if used + tokens > tonumber(ARGV[1 + i]) then
    return {0, i, (index + 1) * window - now, used}
  end
  keys[i] = key
  windows[i] = window
end
for i = 1, n do
  redis.call('INCRBY', keys[i], tokens)
  redis.call('PEXPIRE', keys[i], windows[i] * 2)
end
table.insert(keys, 1, 1)
return keys`;

const SETTLE = `
local delta = tonumber(ARGV[1])
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    if redis.call('INCRBY', KEYS[i], delta) < 0 then redis.call('SET', KEYS[i], 0, 'KEEPTTL') end
  end
end
return 1`;

type LimiterRedis = Redis & {
  tokenReserve(...args: Array<string | number>): Promise<Array<string | number>>;
  tokenSettle(...args: Array<string | number>): Promise<number>;
};

export class RedisBucketStore implements BucketStore {
  private readonly redis: LimiterRedis;

  constructor(
    redis: Redis,
    private readonly prefix = 'llmgw:',
  ) {
    this.redis = redis as LimiterRedis;
    if (!('tokenReserve' in redis)) {
      redis.defineCommand('tokenReserve', { lua: RESERVE });
      redis.defineCommand('tokenSettle', { lua: SETTLE });
    }
  }

  private key(bucket: Bucket): string {
    return `${this.prefix}tokens:{${bucket.group}}:${bucket.id}`;
  }

  async reserve(buckets: readonly Bucket[], tokens: number): Promise<Reserved | Refused> {
    const n = buckets.length;
    const result = await this.redis.tokenReserve(
      n,
      ...buckets.map((b) => this.key(b)),
      tokens,
      ...buckets.map((b) => b.limit),
      ...buckets.map((b) => b.windowMs),
    );
    if (result[0] === 1) return { admitted: true, keys: result.slice(1) as string[], tokens };
    const [, index, retryAfterMs, used] = result as number[];
    return { admitted: false, bucket: buckets[index - 1], retryAfterMs, used };
  }

  async settle(reservation: Reserved, delta: number): Promise<void> {
    if (delta === 0) return;
    await this.redis.tokenSettle(reservation.keys.length, ...reservation.keys, delta);
  }
}
