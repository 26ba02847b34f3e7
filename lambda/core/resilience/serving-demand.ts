import type Redis from 'ioredis';
import { SERVING_DEMAND, servingDemandKey } from '../../contract/serving-demand';
import type { BreakerPermit, BreakerStore } from './breaker';

/** Where the wants of cold self-hosted deployments go (see lambda/contract/serving-demand.ts). */
export interface ServingDemandSink {
  /** One want of `deploymentId`; must not throw (a lost want is retried by the next caller). */
  record(deploymentId: string): void;
}

/** Push, trim, renew the expiry: one script, as the cache user's ACL allows scripts and not MULTI. */
const RECORD = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1`;

type DemandRedis = Redis & {
  servingDemandRecord(key: string, entry: string, maxEntries: number, ttlSeconds: number): Promise<number>;
};

/**
 * The demand signal in Redis: one entry pushed on the deployment's list, the list trimmed to
 * `maxEntries` and its expiry renewed, in one Lua script (atomic, one round trip, auto-pipelined with
 * the call's other commands). Nobody waits for it: the failover search goes on at once.
 */
export class RedisServingDemand implements ServingDemandSink {
  private readonly redis: DemandRedis;

  constructor(
    redis: Redis,
    private readonly prefix: string = SERVING_DEMAND.redisPrefix,
    private readonly now: () => number = Date.now,
  ) {
    this.redis = redis as DemandRedis;
    if (!('servingDemandRecord' in redis)) redis.defineCommand('servingDemandRecord', { numberOfKeys: 1, lua: RECORD });
  }

  record(deploymentId: string): void {
    const key = servingDemandKey(deploymentId, this.prefix);
    this.redis
      .servingDemandRecord(key, String(this.now()), SERVING_DEMAND.maxEntries, SERVING_DEMAND.ttlSeconds)
      .catch(() => undefined);
  }
}

/**
 * The breaker store, telling `sink` each time the failover search gives up on one of `deployments`:
 * a failure counted against it (an attempt failed: refused connection, timeout, 5xx), or its breaker
 * refusing the call. These are the moments the search fails over from it (or, with no deployment
 * after it, fails), and the breaker sees each of them whichever deployment comes next; the search
 * itself (`failover.ts`) is left as it is. A success or a released permit records nothing.
 */
export function recordingServingDemand(
  store: BreakerStore,
  sink: ServingDemandSink,
  deployments: ReadonlySet<string>,
): BreakerStore {
  if (deployments.size === 0) return store;
  const want = (deployment: string) => {
    if (deployments.has(deployment)) sink.record(deployment);
  };
  return {
    async acquire(deployment) {
      const permit = await store.acquire(deployment);
      if (!permit.allowed) want(deployment);
      return permit;
    },
    recordSuccess: (deployment, permit: BreakerPermit) => store.recordSuccess(deployment, permit),
    async recordFailure(deployment, permit: BreakerPermit) {
      want(deployment);
      return store.recordFailure(deployment, permit);
    },
    release: (deployment, permit: BreakerPermit) => store.release(deployment, permit),
    state: (deployment) => store.state(deployment),
  };
}
