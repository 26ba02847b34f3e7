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
