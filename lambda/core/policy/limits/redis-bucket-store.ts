import type Redis from 'ioredis';
import type { Bucket, BucketStore, Refused, Reserved } from './bucket-store';

/**
 * Buckets in Redis. One Lua script per decision, timed by the Redis server's clock: it finds each
 * bucket's current window (fixed length, or a calendar month), refuses if any would go over, and
 * otherwise takes the amount from all.
 * Keys carry the tenant as a hash tag (`{tenant}`), so one call's keys share a slot in cluster mode.
 */
/** Calendar months (UTC) as windows: window length -1. Civil-date arithmetic after H. Hinnant. */
const WINDOW_LUA = `
local function month_of(days)
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400 + (m <= 2 and 1 or 0)
  return y * 12 + (m - 1)
end
local function month_start_days(index)
  local y = math.floor(index / 12)
  local m = index - y * 12 + 1
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = m > 2 and m - 3 or m + 9
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + math.floor((153 * mp + 2) / 5)
  return era * 146097 + doe - 719468
end
-- returns the window index and when the window ends (ms)
local function window_of(now, window)
  if window > 0 then
    local index = math.floor(now / window)
    return index, (index + 1) * window
  end
  local index = month_of(math.floor(now / 86400000))
  return index, month_start_days(index + 1) * 86400000
end
`;

const RESERVE = `${WINDOW_LUA}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS
local tokens = tonumber(ARGV[1])
local keys = {}
local ends = {}
for i = 1, n do
  local index, ends_at = window_of(now, tonumber(ARGV[1 + n + i]))
  local key = KEYS[i] .. ':' .. index
  local used = tonumber(redis.call('GET', key) or '0')
  if used + tokens > tonumber(ARGV[1 + i]) then
    return {0, i, ends_at - now, used}
  end
  keys[i] = key
  ends[i] = ends_at
end
for i = 1, n do
  redis.call('INCRBY', keys[i], tokens)
  redis.call('PEXPIREAT', keys[i], ends[i] + 86400000)
end
table.insert(keys, 1, 1)
return keys`;

const SETTLE = `
local delta = tonumber(ARGV[1])
local totals = {}
for i = 1, #KEYS do
  local total = 0
  if redis.call('EXISTS', KEYS[i]) == 1 then
    total = redis.call('INCRBY', KEYS[i], delta)
    if total < 0 then
      redis.call('SET', KEYS[i], 0, 'KEEPTTL')
      total = 0
    end
  end
  totals[i] = total
end
return totals`;

type LimiterRedis = Redis & {
  tokenReserve(...args: Array<string | number>): Promise<Array<string | number>>;
  tokenSettle(...args: Array<string | number>): Promise<number[]>;
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

  async settle(reservation: Reserved, delta: number): Promise<number[]> {
    return this.redis.tokenSettle(reservation.keys.length, ...reservation.keys, delta);
  }
}
