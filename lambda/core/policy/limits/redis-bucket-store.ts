import type Redis from 'ioredis';
import type { Bucket, BucketStore, Refused, Reserved } from './bucket-store';

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

const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// A rolling bucket: a hash {level, at}, drained at limit/window per ms since `at`.
// A calendar bucket: a hash {spent, held} per month.
// KEYS: the buckets' base keys. ARGV: amount, then n limits, then n windows (ms, or -1 for months).
// Returns {1, key...} when admitted, else {0, bucket index, retry after ms, used, in flight (1/0)}.
const RESERVE = `${WINDOW_LUA}
${NOW}
local n = #KEYS
local amount = tonumber(ARGV[1])
local keys = {}
local levels = {}
local ends = {}
for i = 1, n do
  local limit = tonumber(ARGV[1 + i])
  local window = tonumber(ARGV[1 + n + i])
  if window > 0 then
    local h = redis.call('HMGET', KEYS[i], 'level', 'at')
    local level = tonumber(h[1] or '0')
    local at = tonumber(h[2] or now)
    level = math.max(0, level - math.max(0, now - at) * limit / window)
    if level + amount > limit then
      return {0, i, math.ceil((level + amount - limit) * window / limit), math.floor(level + 0.5), 0}
    end
    keys[i] = KEYS[i]
    levels[i] = level
  else
    local index, ends_at = window_of(now, window)
    local key = KEYS[i] .. ':' .. index
    local h = redis.call('HMGET', key, 'spent', 'held')
    local spent = tonumber(h[1] or '0')
    local held = tonumber(h[2] or '0')
    if spent + amount > limit then return {0, i, ends_at - now, spent, 0} end
    if spent + held + amount > limit then return {0, i, 0, spent + held, 1} end
    keys[i] = key
    ends[i] = ends_at
  end
end
for i = 1, n do
  local window = tonumber(ARGV[1 + n + i])
  if window > 0 then
    redis.call('HSET', keys[i], 'level', tostring(levels[i] + amount), 'at', now)
    redis.call('PEXPIRE', keys[i], window * 2)
  else
    redis.call('HINCRBY', keys[i], 'held', amount)
    redis.call('PEXPIREAT', keys[i], ends[i] + 86400000)
  end
end
table.insert(keys, 1, 1)
return keys`;

// KEYS: the reservation's keys. ARGV: reserved, used, then n limits, then n windows.
// Returns each bucket's level after: a rolling bucket's fill (rounded down), a calendar bucket's spend.
const SETTLE = `${NOW}
local n = #KEYS
local reserved = tonumber(ARGV[1])
local used = tonumber(ARGV[2])
local totals = {}
for i = 1, n do
  local limit = tonumber(ARGV[2 + i])
  local window = tonumber(ARGV[2 + n + i])
  local total = 0
  if redis.call('EXISTS', KEYS[i]) == 1 then
    if window > 0 then
      local h = redis.call('HMGET', KEYS[i], 'level', 'at')
      local level = math.max(0, tonumber(h[1]) - math.max(0, now - tonumber(h[2])) * limit / window)
      level = math.max(0, level + used - reserved)
      redis.call('HSET', KEYS[i], 'level', tostring(level), 'at', now)
      total = math.floor(level + 0.5)
    else
      local held = redis.call('HINCRBY', KEYS[i], 'held', -reserved)
      if held < 0 then redis.call('HSET', KEYS[i], 'held', 0) end
      total = redis.call('HINCRBY', KEYS[i], 'spent', used)
    end
  end
  totals[i] = total
end
return totals`;

type LimiterRedis = Redis & {
  tokenReserve(...args: Array<string | number>): Promise<Array<string | number>>;
  tokenSettle(...args: Array<string | number>): Promise<number[]>;
};

/**
 * Buckets in Redis. One Lua script per decision, timed by the Redis server's clock, so the limits
 * are exact across every instance. Keys carry the tenant as a hash tag (`{tenant}`), so one call's
 * keys share a slot in cluster mode.
 */
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

  // `buckets:` rather than the fixed windows' `tokens:`: state of the older format is never read as this.
  private key(bucket: Bucket): string {
    return `${this.prefix}buckets:{${bucket.group}}:${bucket.id}`;
  }

  async reserve(buckets: readonly Bucket[], amount: number): Promise<Reserved | Refused> {
    const n = buckets.length;
    const result = await this.redis.tokenReserve(
      n,
      ...buckets.map((b) => this.key(b)),
      amount,
      ...buckets.map((b) => b.limit),
      ...buckets.map((b) => b.windowMs),
    );
    if (result[0] === 1) return { admitted: true, keys: result.slice(1) as string[], buckets, amount };
    const [, index, retryAfterMs, used, inFlight] = result as number[];
    return { admitted: false, bucket: buckets[index - 1], retryAfterMs, used, inFlight: inFlight === 1 };
  }

  async settle(reservation: Reserved, used: number): Promise<number[]> {
    const { keys, buckets, amount } = reservation;
    return this.redis.tokenSettle(
      keys.length,
      ...keys,
      amount,
      used,
      ...buckets.map((b) => b.limit),
      ...buckets.map((b) => b.windowMs),
    );
  }
}
