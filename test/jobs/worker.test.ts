import { encodeJobMessage } from '../../lambda/core/jobs/job-queue';
import { PostgresJobStore } from '../../lambda/core/jobs/job-store';
import { startHarness, type Harness } from '../gateway/harness';
import { deletePrefix, useRedis } from '../support/services';
import { startJobsDatabase, submitDirect, workerOn } from './fixtures';

/**
 * The worker through its real batch handler (Powertools partial batch response), Powertools
 * idempotency in the real Redis, jobs in real Postgres (PGlite), the gateway in-process in front
 * of loopback providers, and SQS's redrive semantics played by a fake queue on a test clock.
 */
const redis = useRedis();
let db: Awaited<ReturnType<typeof startJobsDatabase>>;
let store: PostgresJobStore;
let h: Harness;
let prefix: string;
const chat = { model: 'chat-a', messages: [{ role: 'user', content: 'Summarise the fox.' }] };
const claude = { model: 'claude', messages: [{ role: 'user', content: 'Summarise the fox.' }] };

beforeAll(async () => {
  db = await startJobsDatabase();
  store = new PostgresJobStore(db.pool);
});
afterAll(async () => {
  await db?.close();
});
beforeEach(async () => {
  prefix = redis.prefix('jobs-worker');
  h = await startHarness({ redis: redis.client, redisPrefix: prefix });
});
afterEach(async () => {
  await h.close();
  await deletePrefix(redis.client, prefix);
});

test('100 duplicates of one job message, delivered concurrently, make exactly one upstream call', async () => {
  const job = await submitDirect(store, chat);
  const { sqs, handler } = workerOn(redis.client, `${prefix}idem`, { store, gateway: h.local.gateway });
  for (let i = 0; i < 100; i++) sqs.send(encodeJobMessage({ jobId: job.id }));
  const before = h.openai.requests.length + h.anthropic.requests.length;
  // Ten batches of ten at once, as ten concurrent worker instances would take them.
  const delivered = await Promise.all(Array.from({ length: 10 }, () => sqs.poll(handler, 10)));
  expect(delivered.reduce((a, b) => a + b, 0)).toBe(100);
  expect(h.openai.requests.length + h.anthropic.requests.length - before).toBe(1);
  expect(sqs.depth).toBe(0); // every duplicate acknowledged, none left to come back
  expect(sqs.deadLetters).toHaveLength(0);
  const done = await store.get('tenant-a', job.id);
  expect(done).toMatchObject({ status: 'succeeded', attempts: 1 });
  expect(done?.result).toMatchObject({ object: 'chat.completion', choices: [{ message: { role: 'assistant' } }] });
  // A late duplicate, after the idempotency window too, is stopped by the job's finished state.
  sqs.send(encodeJobMessage({ jobId: job.id }));
  await redis.client.del(...(await redis.client.keys(`${prefix}idem*`)));
  await sqs.poll(handler);
  expect(h.openai.requests.length + h.anthropic.requests.length - before).toBe(1);
});

test('a poison message reaches the DLQ after exactly maxReceiveCount receives', async () => {
  const { sqs, handler } = workerOn(redis.client, `${prefix}idem`, { store, gateway: h.local.gateway });
  sqs.send('{"not":"a job"}');
  for (let round = 0; round < 10 && sqs.depth > 0; round++) {
    await sqs.poll(handler);
    sqs.advance(30);
    expect(await sqs.poll(handler)).toBe(0); // invisible for the whole visibility timeout
    sqs.advance(31);
  }
  expect(sqs.deliveries.map((d) => d.receiveCount)).toEqual([1, 2, 3]);
  expect(sqs.deadLetters.map((m) => m.body)).toEqual(['{"not":"a job"}']);
});

test('a job whose providers keep failing is dead-lettered and marked failed; a redrive runs it again', async () => {
  const job = await submitDirect(store, claude);
  const { sqs, handler } = workerOn(redis.client, `${prefix}idem`, { store, gateway: h.local.gateway });
  sqs.send(encodeJobMessage({ jobId: job.id }));
  for (let i = 0; i < 20; i++) h.anthropic.faults.push({ kind: 'status', status: 500 });
  for (let round = 0; round < 4; round++) {
    await sqs.poll(handler);
    if (round < 2) expect(await store.get('tenant-a', job.id)).toMatchObject({ status: 'queued' });
    sqs.advance(61);
  }
  expect(sqs.deliveries.map((d) => d.receiveCount)).toEqual([1, 2, 3]);
  expect(sqs.deadLetters).toHaveLength(1);
  expect(await store.get('tenant-a', job.id)).toMatchObject({
    status: 'failed',
    attempts: 3,
    error: { code: 'dead_lettered', status: 502 },
  });

  h.anthropic.faults.length = 0; // the provider recovers; the operator redrives the DLQ
  expect(sqs.redrive()).toBe(1);
  await sqs.poll(handler);
  expect(await store.get('tenant-a', job.id)).toMatchObject({ status: 'succeeded', attempts: 4 });
  expect(sqs.depth).toBe(0);
});

test('provider 429s defer the job with the Retry-After delay; it never reaches the DLQ and then succeeds', async () => {
  const job = await submitDirect(store, claude);
  const { sqs, handler, outcomes } = workerOn(redis.client, `${prefix}idem`, { store, gateway: h.local.gateway });
  sqs.send(encodeJobMessage({ jobId: job.id }));
  // Throttled on more deliveries than maxReceiveCount (3).
  for (let i = 0; i < 20; i++) h.anthropic.faults.push({ kind: 'status', status: 429, retryAfter: '7' });
  for (let round = 0; round < 5; round++) {
    expect(await sqs.poll(handler)).toBe(1);
    expect(sqs.depth).toBe(1); // the original is deleted, a delayed copy is queued
    expect(await sqs.poll(handler)).toBe(0); // not before its delay
    sqs.advance(7);
  }
  expect(outcomes).toEqual(Array(5).fill({ kind: 'deferred', jobId: job.id, delaySeconds: 7 }));
  expect(await store.get('tenant-a', job.id)).toMatchObject({ status: 'queued' });
  h.anthropic.faults.length = 0; // the provider has capacity again
  await sqs.poll(handler);
  expect(sqs.deliveries.every((d) => d.receiveCount === 1)).toBe(true);
  expect(sqs.deadLetters).toHaveLength(0);
  expect(await store.get('tenant-a', job.id)).toMatchObject({ status: 'succeeded', attempts: 6 });
});

test('a request the gateway refuses for good (400, 403) fails the job at once, without retries', async () => {
  const job = await submitDirect(store, { ...chat, model: 'no-such-model' });
  const { sqs, handler } = workerOn(redis.client, `${prefix}idem`, { store, gateway: h.local.gateway });
  sqs.send(encodeJobMessage({ jobId: job.id }));
  await sqs.poll(handler);
  expect(sqs.depth).toBe(0);
  expect(await store.get('tenant-a', job.id)).toMatchObject({
    status: 'failed',
    error: { status: 404, type: 'not_found_error' },
  });
});
