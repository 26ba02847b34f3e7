import Redis from 'ioredis';
import { DISABLED_DEFAULT_USER_ACCESS, GATEWAY_KEY_PREFIX, gatewayAccessString } from '../../constructs';
import { KEYS, startHarness, type Harness } from '../gateway/harness';
import { startDisposableRedis, type DisposableRedis } from '../support/redis-server';

/**
 * The RBAC users ResponseCache creates, applied to a real Redis of the test's own (ElastiCache
 * enforces the same ACL language): the gateway's every store works as the gateway user, and the
 * user can do nothing outside its prefix, nothing administrative, and the default user is off.
 */
const PASSWORD = 'correct-horse-battery-staple-0123456789';
let server: DisposableRedis;
let admin: Redis;
let gatewayUser: Redis;
let h: Harness;

beforeAll(async () => {
  server = await startDisposableRedis();
  const bootstrap = new Redis(server.url, { maxRetriesPerRequest: 1 });
  await bootstrap.call('ACL', 'SETUSER', 'admin', 'on', '>admin-password-for-tests', '~*', '&*', '+@all');
  await bootstrap.call('ACL', 'SETUSER', 'llm-gateway', 'reset', ...gatewayAccessString().split(' '), `>${PASSWORD}`);
  await bootstrap.call('ACL', 'SETUSER', 'default', 'reset', ...DISABLED_DEFAULT_USER_ACCESS.split(' '));
  bootstrap.disconnect();
  admin = new Redis(server.url, { username: 'admin', password: 'admin-password-for-tests', maxRetriesPerRequest: 1 });
  gatewayUser = new Redis(server.url, { username: 'llm-gateway', password: PASSWORD, maxRetriesPerRequest: 1 });
  await gatewayUser.ping();
  h = await startHarness({
    redis: gatewayUser,
    redisPrefix: GATEWAY_KEY_PREFIX,
    tokenLimits: { tenant: { perMinute: 100_000 }, user: { perDay: 1_000_000 } },
    budgets: { tenant: { monthlyMicroUsd: 10_000_000 } },
    exactCache: {},
    breaker: { failureThreshold: 3, openMs: 60_000 },
  });
});
afterAll(async () => {
  await h?.close();
  gatewayUser?.disconnect();
  admin?.disconnect();
  await server?.stop();
});

async function keysUnder(pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

test('every gateway store works as the gateway user: limits, budgets, cache, breaker, kill switch', async () => {
  const messages = [{ role: 'user' as const, content: 'What is our refund policy?' }];
  const first = await h.client().chat.completions.create({ model: 'chat-a', messages, temperature: 0 }).withResponse();
  const second = await h.client().chat.completions.create({ model: 'chat-a', messages, temperature: 0 }).withResponse();
  expect(second.response.headers.get('x-llm-cache')).toBe('hit');
  expect(second.data).toEqual(first.data);
  expect(h.openai.requests).toHaveLength(1);

  // Written to Redis, not to a local fallback: a refused command would have left nothing here.
  const keys = await keysUnder(`${GATEWAY_KEY_PREFIX}*`);
  expect(keys.length).toBeGreaterThanOrEqual(3);
  expect(keys.every((key) => key.startsWith(GATEWAY_KEY_PREFIX))).toBe(true);

  await admin.set(`${GATEWAY_KEY_PREFIX}kill:tenant:tenant-a`, 'drill');
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await expect(
    h.client(KEYS.full).chat.completions.create({ model: 'chat-a', messages: [{ role: 'user', content: 'x' }] }),
  ).rejects.toMatchObject({ status: 503 });
  await admin.del(`${GATEWAY_KEY_PREFIX}kill:tenant:tenant-a`);
});

test('the gateway user cannot touch keys outside its prefix', async () => {
  await expect(gatewayUser.set('other-app:secret', 'x')).rejects.toThrow(/NOPERM/);
  await expect(gatewayUser.get('other-app:secret')).rejects.toThrow(/NOPERM/);
});

test.each([
  ['FLUSHALL', []],
  ['FLUSHDB', []],
  ['KEYS', ['*']],
  ['CONFIG', ['GET', '*']],
  ['MONITOR', []],
  ['SCAN', ['0']],
  ['ACL', ['LIST']],
  ['SHUTDOWN', []],
] as const)('the gateway user cannot run %s', async (command, args) => {
  await expect(gatewayUser.call(command, ...args)).rejects.toThrow(/NOPERM/);
});

test('the default user is disabled: an unauthenticated client can run nothing', async () => {
  const anonymous = new Redis(server.url, { maxRetriesPerRequest: 0, enableReadyCheck: false, lazyConnect: true });
  try {
    await anonymous.connect().catch(() => undefined);
    await expect(anonymous.get(`${GATEWAY_KEY_PREFIX}anything`)).rejects.toThrow(/NOAUTH|NOPERM|WRONGPASS/);
    await expect(anonymous.call('AUTH', 'default', 'anything')).rejects.toThrow(/WRONGPASS|disabled/);
  } finally {
    anonymous.disconnect();
  }
});
