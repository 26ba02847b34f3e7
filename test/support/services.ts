import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';

/**
 * The real services the tests use: Redis on 127.0.0.1:6379 (standing in for ElastiCache) and
 * PostgreSQL on 127.0.0.1:5432. A test that needs one fails loudly when it is down, never skips.
 *
 * Several test files (and several developers' runs) share one Redis: every test works under its own
 * key prefix and never flushes the database.
 */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A connected client, or a thrown error that says how to start Redis. */
export async function connectRedis(url = REDIS_URL): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new Error(
      `These tests need Redis at ${url} and could not reach it (${(error as Error).message}). ` +
        'Start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
      { cause: error },
    );
  }
  return client;
}

/** A key prefix no other test or run uses. */
export function uniquePrefix(name: string): string {
  return `test:${name}:${randomUUID().slice(0, 8)}:`;
}

/** Deletes every key under a prefix (SCAN, not KEYS, and never FLUSHDB). */
export async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}

export interface TestRedis {
  /** The connected client (valid inside tests, after beforeAll). */
  readonly client: Redis;
  /** A fresh key prefix, deleted when the file's tests are done. */
  prefix(name: string): string;
}

/**
 * Connects once for a test file and cleans up every prefix it handed out, with jest's
 * beforeAll/afterAll. Call it at the top level of a test file.
 */
export function useRedis(): TestRedis {
  let client: Redis | undefined;
  const prefixes: string[] = [];
  beforeAll(async () => {
    client = await connectRedis();
  });
  afterAll(async () => {
    if (!client) return;
    for (const prefix of prefixes) await deletePrefix(client, prefix);
    client.disconnect();
  });
  return {
    get client() {
      if (!client) throw new Error('useRedis(): the client is available inside tests only');
      return client;
    },
    prefix(name: string) {
      const prefix = uniquePrefix(name);
      prefixes.push(prefix);
      return prefix;
    },
  };
}
