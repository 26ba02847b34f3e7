import { connectRedis, deletePrefix, uniquePrefix } from './services';

test('Redis is reachable, and a prefix can be cleaned without touching other keys', async () => {
  const redis = await connectRedis();
  const mine = uniquePrefix('services');
  const other = uniquePrefix('services');
  try {
    await redis.set(`${mine}a`, '1');
    await redis.set(`${other}a`, '1');
    await deletePrefix(redis, mine);
    expect(await redis.exists(`${mine}a`)).toBe(0);
    expect(await redis.exists(`${other}a`)).toBe(1);
  } finally {
    await deletePrefix(redis, other);
    redis.disconnect();
  }
});

test('an unreachable Redis fails loudly, saying how to start it', async () => {
  await expect(connectRedis('redis://127.0.0.1:1')).rejects.toThrow(
    /could not reach it.*redis-server --daemonize yes/s,
  );
});
