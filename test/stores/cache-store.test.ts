import { useRedis } from '../support/services';
import { InMemoryCacheStore, RedisCacheStore, type CacheStore } from '../../lambda/core/policy/cache/exact-cache';

/** One contract for the local server's in-process cache and Redis. */
const redis = useRedis();

describe.each<[string, () => CacheStore]>([
  ['in-process', () => new InMemoryCacheStore()],
  [
    'Redis',
    () => {
      return new RedisCacheStore(redis.client, redis.prefix('cache-store'));
    },
  ],
])('cache store contract: %s', (_name, create) => {
  test('returns what was stored, and nothing for an unknown key', async () => {
    const store = create();
    await store.set('{t}:a', 'value-a', 60);
    expect(await store.get('{t}:a')).toBe('value-a');
    expect(await store.get('{t}:b')).toBeUndefined();
  });

  test('entries expire after their TTL', async () => {
    const store = create();
    await store.set('{t}:short', 'v', 1);
    expect(await store.get('{t}:short')).toBe('v');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await store.get('{t}:short')).toBeUndefined();
  });

  test('a later write replaces an earlier one', async () => {
    const store = create();
    await store.set('{t}:k', 'one', 60);
    await store.set('{t}:k', 'two', 60);
    expect(await store.get('{t}:k')).toBe('two');
  });
});

test('the in-process store is bounded: the oldest entry goes first', async () => {
  const store = new InMemoryCacheStore(2);
  await store.set('a', '1', 60);
  await store.set('b', '2', 60);
  await store.set('c', '3', 60);
  expect(await store.get('a')).toBeUndefined();
  expect(await store.get('c')).toBe('3');
});
