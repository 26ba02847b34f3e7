import Redis from 'ioredis';
import { GATEWAY_KEY_PREFIX, gatewayAccessString } from '../../constructs/response-cache';
import { RedisServingDemand } from '../../lambda/core/resilience/serving-demand';
import { SERVING_DEMAND, servingDemandKey } from '../../lambda/contract/serving-demand';
import { startDisposableRedis, type DisposableRedis } from '../support/redis-server';

/**
 * The demand signal under ElastiCache's RBAC: the gateway records it, and KEDA reads it, as the
 * cache's gateway user (the ACL ResponseCache gives it, applied to a real Redis of the test's own).
 * That ACL has no `@transaction`: a MULTI is refused, so the recorder is one Lua script.
 */
const PASSWORD = 'demand-signal-password-0123456789';
let server: DisposableRedis;
let admin: Redis;
let gatewayUser: Redis;

beforeAll(async () => {
  server = await startDisposableRedis();
  admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
  await admin.call('ACL', 'SETUSER', 'llm-gateway', 'reset', ...gatewayAccessString().split(' '), `>${PASSWORD}`);
  gatewayUser = new Redis(server.url, { username: 'llm-gateway', password: PASSWORD, maxRetriesPerRequest: 1 });
  await gatewayUser.ping();
});
afterAll(async () => {
  gatewayUser?.disconnect();
  admin?.disconnect();
  await server?.stop();
});

test('the demand key lies under the prefix the gateway user may touch', () => {
  expect(SERVING_DEMAND.redisPrefix).toBe(GATEWAY_KEY_PREFIX);
  expect(servingDemandKey('vllm-llama-8b').startsWith(GATEWAY_KEY_PREFIX)).toBe(true);
});

test('the gateway user records demand, and reads its length as KEDA does', async () => {
  const key = servingDemandKey('vllm-acl');
  const demand = new RedisServingDemand(gatewayUser);
  demand.record('vllm-acl');
  demand.record('vllm-acl');
  await gatewayUser.ping(); // the recorder does not wait; the next command on the connection does
  expect(await admin.llen(key)).toBe(2);
  expect(await gatewayUser.llen(key)).toBe(2);
  expect(await admin.ttl(key)).toBeGreaterThan(SERVING_DEMAND.ttlSeconds - 5);
});

test('a transaction, the obvious way to write it, is refused by that ACL', async () => {
  await expect(gatewayUser.multi().lpush(servingDemandKey('vllm-acl'), '1').exec()).rejects.toThrow(/NOPERM/);
});
