import type { BucketStore, Reserved } from './bucket-store';
import { ResilientBucketStore, type StoreHealthEvent } from './resilient-bucket-store';
import { storeDownPolicySchema } from '../../../contract/config/limits-store-down';

/**
 * Answers that arrive out of order at the edges of an outage: a call made before Redis died that
 * succeeds after the first failure, or one made before it came back that fails after the first
 * success, must not report a second outage or recovery.
 */
const bucket = { id: 'tenant:t:minute', name: 'b', group: 't', limit: 1_000, windowMs: 60_000 };
const reserved: Reserved = {
  admitted: true,
  keys: ['k'],
  buckets: [{ id: 'k', name: 'k', group: 'g', limit: 10, windowMs: 60_000 }],
  amount: 1,
};

/** A shared store whose every call is answered by the test, in any order. */
function controlled() {
  const pending: Array<{ resolve: (value: Reserved) => void; reject: (error: Error) => void }> = [];
  const store: BucketStore = {
    reserve: () => new Promise((resolve, reject) => pending.push({ resolve, reject })),
    settle: async () => [0],
  };
  return { store, pending };
}

test('one outage and one recovery, however the answers around them are ordered', async () => {
  const { store, pending } = controlled();
  const events: StoreHealthEvent[] = [];
  const policy = storeDownPolicySchema.parse({ mode: 'local-fallback', decisionTimeoutMs: 1_000 });
  const resilient = new ResilientBucketStore(store, policy, (e) => events.push(e));
  const call = () => resilient.reserve([bucket], 1);

  const [early, failing] = [call(), call()];
  pending[1].reject(new Error('connection lost')); // the outage begins
  await failing;
  pending[0].resolve(reserved); // an answer to a call made before it: not a recovery
  await early;
  expect(events.map((e) => e.type)).toEqual(['limits.store_unavailable']);

  const [stale, fresh] = [call(), call()];
  pending[3].resolve(reserved); // Redis is back
  await fresh;
  pending[2].reject(new Error('connection lost')); // a call made before that: not a new outage
  await stale;
  expect(events.map((e) => e.type)).toEqual(['limits.store_unavailable', 'limits.store_recovered']);

  const later = call();
  pending[4].reject(new Error('connection lost')); // a real second outage is reported
  await later;
  expect(events.map((e) => e.type)).toEqual([
    'limits.store_unavailable',
    'limits.store_recovered',
    'limits.store_unavailable',
  ]);
});

test('a reservation the shared store makes after the deadline is given back when it lands', async () => {
  const { pending } = controlled();
  const settled: Array<{ reservation: Reserved; used: number }> = [];
  const store: BucketStore = {
    reserve: () => new Promise((resolve, reject) => pending.push({ resolve, reject })),
    settle: async (reservation, used) => (settled.push({ reservation, used }), [0]),
  };
  const policy = storeDownPolicySchema.parse({ mode: 'local-fallback', decisionTimeoutMs: 10 });
  const resilient = new ResilientBucketStore(store, policy, () => undefined);
  const outcome = await resilient.reserve([bucket], 5);
  expect(outcome.admitted).toBe(true); // by the local fallback
  expect(settled).toEqual([]);
  pending[0].resolve(reserved); // Redis admitted it after all, 10 ms too late
  await new Promise((resolve) => setImmediate(resolve));
  expect(settled).toEqual([{ reservation: reserved, used: 0 }]);
});

test('an answer that arrived while the process was busy beats a deadline that fell due meanwhile', async () => {
  const store: BucketStore = {
    // Answered on the next I/O turn, like a reply already in the socket's buffer.
    reserve: () => new Promise((resolve) => setImmediate(() => resolve(reserved))),
    settle: async () => [0],
  };
  const events: StoreHealthEvent[] = [];
  const policy = storeDownPolicySchema.parse({ mode: 'local-fallback', decisionTimeoutMs: 5 });
  const resilient = new ResilientBucketStore(store, policy, (e) => events.push(e));
  const call = resilient.reserve([bucket], 1);
  const busyUntil = Date.now() + 30; // a synchronous stretch longer than the deadline
  while (Date.now() < busyUntil);
  expect(await call).toBe(reserved);
  expect(events).toEqual([]);
});

test('money fails closed under the local-fallback policy; token limits fall back', async () => {
  const store: BucketStore = {
    reserve: async () => Promise.reject(new Error('connection lost')),
    settle: async () => [0],
  };
  const events: StoreHealthEvent[] = [];
  const policy = storeDownPolicySchema.parse({ mode: 'local-fallback' });
  const resilient = new ResilientBucketStore(store, policy, (e) => events.push(e));
  expect((await resilient.reserve([bucket], 1)).admitted).toBe(true);
  await expect(resilient.failingClosed().reserve([bucket], 1)).rejects.toMatchObject({
    status: 503,
    options: { code: 'limits_unavailable' },
  });
  // One outage, reported once, for both.
  expect(events.map((e) => e.type)).toEqual(['limits.store_unavailable']);
});
