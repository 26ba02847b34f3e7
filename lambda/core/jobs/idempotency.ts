import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { CachePersistenceLayer } from '@aws-lambda-powertools/idempotency/cache';
import type Redis from 'ioredis';

/**
 * Powertools' Redis persistence layer over the platform's ioredis client. Powertools speaks
 * node-redis's `set(key, value, { EX, NX })`; this adapts it to ioredis's positional form.
 */
export function idempotencyStore(redis: Redis): CachePersistenceLayer {
  return new CachePersistenceLayer({
    client: {
      get: (key) => redis.get(key),
      set: (key, value, options) => {
        const { EX, NX } = (options ?? {}) as { EX?: number; NX?: boolean };
        const ttl = Math.max(1, Math.ceil(EX ?? 1));
        return NX
          ? redis.set(String(key), String(value), 'EX', ttl, 'NX')
          : redis.set(String(key), String(value), 'EX', ttl);
      },
      del: (keys) => redis.del(...keys),
    },
  });
}

export interface OncePerJobOptions {
  readonly persistence: CachePersistenceLayer;
  /** Prefix of the idempotency keys (the function name, deployed). */
  readonly keyPrefix: string;
  /** How long a finished job's record answers duplicates; the job store's state guards after that. */
  readonly ttlSeconds: number;
  /** The time the current invocation has left: an in-progress record outlives a crash by no more. */
  readonly remainingMs: () => number;
}

/**
 * `fn` run at most once at a time per job id and not again once it has returned: a duplicate gets
 * the first run's return value, or `IdempotencyAlreadyInProgressError` while that run is going. A
 * run that throws leaves no record, so the job can be tried again.
 */
export function oncePerJob<M extends { readonly jobId: string }, R>(
  fn: (message: M) => Promise<R>,
  options: OncePerJobOptions,
): (message: M) => Promise<R> {
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'jobId', expiresAfterSeconds: options.ttlSeconds });
  // Powertools sizes the in-progress lock from a Lambda context; only its clock is needed.
  config.registerLambdaContext({ getRemainingTimeInMillis: options.remainingMs } as Parameters<
    IdempotencyConfig['registerLambdaContext']
  >[0]);
  return makeIdempotent(fn, { persistenceStore: options.persistence, config, keyPrefix: options.keyPrefix });
}
