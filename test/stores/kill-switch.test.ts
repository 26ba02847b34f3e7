import { useRedis } from '../support/services';
import type { CallFacts } from '../../lambda/core/pipeline/ports';
import {
  InMemoryKillSwitchStore,
  KillSwitch,
  RedisKillSwitchStore,
  type KillSwitchStore,
} from '../../lambda/core/policy/kill-switch/kill-switch';

const redis = useRedis();

const facts = (tenant: string, feature?: string) => ({ identity: { tenant }, feature }) as CallFacts;

/** Both stores, flipped the way an operator flips them. */
const stores: Array<[string, () => { store: KillSwitchStore; flip: (key: string, reason?: string) => Promise<void> }]> =
  [
    [
      'in-process',
      () => {
        const store = new InMemoryKillSwitchStore();
        return {
          store,
          flip: async (key, reason) => (reason ? store.set(key as 'global', reason) : store.clear(key as 'global')),
        };
      },
    ],
    [
      'Redis',
      () => {
        const prefix = redis.prefix('kill');
        return {
          store: new RedisKillSwitchStore(redis.client, prefix),
          flip: async (key, reason) => {
            if (reason) await redis.client.set(`${prefix}kill:${key}`, reason);
            else await redis.client.del(`${prefix}kill:${key}`);
          },
        };
      },
    ],
  ];

describe.each(stores)('kill switch: %s', (_name, create) => {
  test('a tenant flag stops that tenant only; the global flag stops all; lifting restores', async () => {
    let now = 0;
    const { store, flip } = create();
    const kill = new KillSwitch(store, 1_000, () => now);
    await expect(kill.admit(facts('a'))).resolves.toBeDefined();
    await flip('tenant:a', 'runaway');
    // Within the refresh time the cached state holds; after it the flag is seen.
    await expect(kill.admit(facts('a'))).resolves.toBeDefined();
    now += 1_000;
    await expect(kill.admit(facts('a'))).rejects.toMatchObject({
      status: 503,
      message: expect.stringContaining("tenant 'a': runaway"),
    });
    await expect(kill.admit(facts('b'))).resolves.toBeDefined();
    await flip('global', 'incident');
    now += 1_000;
    await expect(kill.admit(facts('b'))).rejects.toMatchObject({
      status: 503,
      message: expect.stringContaining('whole platform'),
    });
    await flip('global');
    await flip('tenant:a');
    now += 1_000;
    await expect(kill.admit(facts('a'))).resolves.toBeDefined();
  });

  test('a feature flag stops that feature of every tenant, and nothing else', async () => {
    let now = 0;
    const { store, flip } = create();
    const kill = new KillSwitch(store, 1_000, () => now);
    await flip('feature:bulk-summaries', 'spend guardrail');
    await expect(kill.admit(facts('a', 'bulk-summaries'))).rejects.toMatchObject({
      status: 503,
      message: expect.stringContaining("feature 'bulk-summaries': spend guardrail"),
    });
    await expect(kill.admit(facts('b', 'bulk-summaries'))).rejects.toMatchObject({ status: 503 });
    await expect(kill.admit(facts('a', 'search'))).resolves.toBeDefined();
    await expect(kill.admit(facts('a'))).resolves.toBeDefined();
    await flip('feature:bulk-summaries');
    now += 1_000;
    await expect(kill.admit(facts('a', 'bulk-summaries'))).resolves.toBeDefined();
  });
});

test('an unreadable store keeps the last known state', async () => {
  let now = 0;
  let fail = false;
  const store: KillSwitchStore = {
    read: async (key) => {
      if (fail) throw new Error('down');
      return key === 'global' ? 'off for maintenance' : undefined;
    },
  };
  const kill = new KillSwitch(store, 1_000, () => now);
  await expect(kill.admit(facts('a'))).rejects.toMatchObject({ status: 503 });
  fail = true;
  now += 5_000;
  await expect(kill.admit(facts('a'))).rejects.toMatchObject({ status: 503 });
});
