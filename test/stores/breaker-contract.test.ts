import { useRedis } from '../support/services';
import { InMemoryBreakerStore, type BreakerSettings, type BreakerStore } from '../../lambda/core/resilience/breaker';
import { RedisBreakerStore } from '../../lambda/core/resilience/redis-breaker';

/** One contract, two stores: the local server's in-process breaker must behave like Redis's. */
const settings: BreakerSettings = { failureThreshold: 3, openMs: 150, probeTimeoutMs: 1_000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const redis = useRedis();

const stores: Array<[string, () => BreakerStore]> = [
  ['in-process', () => new InMemoryBreakerStore(settings)],
  [
    'Redis',
    () => {
      return new RedisBreakerStore(redis.client, settings, redis.prefix('breaker'));
    },
  ],
];

describe.each(stores)('breaker contract: %s', (_name, create) => {
  async function fail(store: BreakerStore, times: number) {
    for (let i = 0; i < times; i++) await store.recordFailure('d', await store.acquire('d'));
  }

  test('the failure that opens the breaker says so, once; a failed probe re-opens it and says so', async () => {
    const store = create();
    const opened: boolean[] = [];
    for (let i = 0; i < settings.failureThreshold + 1; i++) {
      opened.push(await store.recordFailure('d', await store.acquire('d')));
    }
    expect(opened).toEqual([false, false, true, false]);
    await sleep(settings.openMs + 20);
    const probe = await store.acquire('d');
    expect(probe.probe).toBe(true);
    expect(await store.recordFailure('d', probe)).toBe(true);
  });

  test('closed until the threshold of consecutive failures, then open', async () => {
    const store = create();
    await fail(store, 2);
    expect(await store.state('d')).toBe('closed');
    expect((await store.acquire('d')).allowed).toBe(true);
    await fail(store, 1);
    expect(await store.state('d')).toBe('open');
    const refused = await store.acquire('d');
    expect(refused).toMatchObject({ allowed: false, probe: false });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(settings.openMs);
  });

  test('a success resets the count of consecutive failures', async () => {
    const store = create();
    await fail(store, 2);
    await store.recordSuccess('d', await store.acquire('d'));
    await fail(store, 2);
    expect(await store.state('d')).toBe('closed');
  });

  test('after the open period exactly one probe goes through; its success closes the breaker', async () => {
    const store = create();
    await fail(store, 3);
    await sleep(settings.openMs + 20);
    expect(await store.state('d')).toBe('half-open');
    const permits = await Promise.all(Array.from({ length: 20 }, () => store.acquire('d')));
    const probes = permits.filter((p) => p.allowed);
    expect(probes).toHaveLength(1);
    expect(probes[0].probe).toBe(true);
    await store.recordSuccess('d', probes[0]);
    expect(await store.state('d')).toBe('closed');
    expect((await store.acquire('d')).allowed).toBe(true);
  });

  test('a failed probe opens the breaker again for a whole period', async () => {
    const store = create();
    await fail(store, 3);
    await sleep(settings.openMs + 20);
    const probe = await store.acquire('d');
    expect(probe.probe).toBe(true);
    await store.recordFailure('d', probe);
    expect(await store.state('d')).toBe('open');
    expect((await store.acquire('d')).allowed).toBe(false);
  });

  test('a probe permit released unused frees the half-open slot and changes nothing else', async () => {
    const store = create();
    await fail(store, 3);
    await sleep(settings.openMs + 20);
    const unused = await store.acquire('d');
    expect(unused.probe).toBe(true);
    expect((await store.acquire('d')).allowed).toBe(false);
    await store.release('d', unused);
    expect(await store.state('d')).toBe('half-open');
    const next = await store.acquire('d');
    expect(next).toMatchObject({ allowed: true, probe: true });
    await store.recordFailure('d', next);
    expect(await store.state('d')).toBe('open');
  });

  test('releasing a permit of a closed breaker writes nothing', async () => {
    const store = create();
    await fail(store, 2);
    await store.release('d', await store.acquire('d'));
    await fail(store, 1);
    expect(await store.state('d')).toBe('open');
  });

  test('deployments have independent breakers', async () => {
    const store = create();
    await fail(store, 3);
    expect(await store.state('other')).toBe('closed');
  });
});
