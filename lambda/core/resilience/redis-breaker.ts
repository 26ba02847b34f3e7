import type Redis from 'ioredis';
import type { BreakerPermit, BreakerSettings, BreakerState, BreakerStore } from './breaker';

/**
 * The breaker's state in Redis, changed only by Lua scripts so that every decision is atomic and
 * timed by the Redis server's clock (instances' clocks may disagree).
 *
 * Keys: `<prefix>breaker:{id}` (hash: failures, openUntil) and `<prefix>breaker:{id}:probe` (the
 * half-open slot, SET NX PX: one holder at a time).
 */
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

const ACQUIRE = `${NOW}
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
if openUntil == 0 then return {1, 0, 0, failures} end
if now < openUntil then return {0, 0, openUntil - now, failures} end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then return {1, 1, 0, failures} end
return {0, 0, math.max(redis.call('PTTL', KEYS[2]), 1), failures}`;

const SUCCESS = `redis.call('DEL', KEYS[1], KEYS[2]) return 1`;

const FAILURE = `${NOW}
local threshold = tonumber(ARGV[2])
local openMs = tonumber(ARGV[3])
if ARGV[1] == '1' then
  redis.call('HSET', KEYS[1], 'openUntil', now + openMs, 'failures', threshold)
  redis.call('DEL', KEYS[2])
  redis.call('PEXPIRE', KEYS[1], openMs * 10)
  return 1
end
if tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0') ~= 0 then return 0 end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local opened = 0
if failures >= threshold then
  redis.call('HSET', KEYS[1], 'openUntil', now + openMs)
  opened = 1
end
redis.call('PEXPIRE', KEYS[1], openMs * 10)
return opened`;

const STATE = `${NOW}
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
if openUntil == 0 then return 'closed' end
if now < openUntil then return 'open' end
return 'half-open'`;

type BreakerRedis = Redis & {
  breakerAcquire(stateKey: string, probeKey: string, probeTtlMs: number): Promise<[number, number, number, number]>;
  breakerSuccess(stateKey: string, probeKey: string): Promise<number>;
  breakerFailure(stateKey: string, probeKey: string, probe: string, threshold: number, openMs: number): Promise<number>;
  breakerState(stateKey: string): Promise<BreakerState>;
};

export class RedisBreakerStore implements BreakerStore {
  private readonly redis: BreakerRedis;

  constructor(
    redis: Redis,
    private readonly settings: BreakerSettings,
    private readonly prefix = 'llmgw:',
  ) {
    this.redis = redis as BreakerRedis;
    if (!('breakerAcquire' in redis)) {
      redis.defineCommand('breakerAcquire', { numberOfKeys: 2, lua: ACQUIRE });
      redis.defineCommand('breakerSuccess', { numberOfKeys: 2, lua: SUCCESS });
      redis.defineCommand('breakerFailure', { numberOfKeys: 2, lua: FAILURE });
      redis.defineCommand('breakerState', { numberOfKeys: 1, lua: STATE });
    }
  }

  private keys(deployment: string): [string, string] {
    const state = `${this.prefix}breaker:{${deployment}}`;
    return [state, `${state}:probe`];
  }

  async acquire(deployment: string): Promise<BreakerPermit> {
    const [allowed, probe, retryAfterMs, failures] = await this.redis.breakerAcquire(
      ...this.keys(deployment),
      this.settings.probeTimeoutMs,
    );
    return { allowed: allowed === 1, probe: probe === 1, retryAfterMs, failures };
  }

  async recordSuccess(deployment: string, permit: BreakerPermit): Promise<void> {
    // The common case (closed, no failures counted) costs no write.
    if (!permit.probe && permit.failures === 0) return;
    await this.redis.breakerSuccess(...this.keys(deployment));
  }

  /** Returns whether this failure opened the breaker: one script, so exactly one caller sees it open it. */
  async recordFailure(deployment: string, permit: BreakerPermit): Promise<boolean> {
    const opened = await this.redis.breakerFailure(
      ...this.keys(deployment),
      permit.probe ? '1' : '0',
      this.settings.failureThreshold,
      this.settings.openMs,
    );
    return opened === 1;
  }

  async release(deployment: string, permit: BreakerPermit): Promise<void> {
    if (permit.probe) await this.redis.del(this.keys(deployment)[1]);
  }

  state(deployment: string): Promise<BreakerState> {
    return this.redis.breakerState(this.keys(deployment)[0]);
  }
}
