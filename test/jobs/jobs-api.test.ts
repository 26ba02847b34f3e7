import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JobsApi } from '../../lambda/core/jobs/jobs-api';
import { encodeJobMessage, type JobMessage } from '../../lambda/core/jobs/job-queue';
import { PostgresJobStore } from '../../lambda/core/jobs/job-store';
import {
  RedisReplayGuard,
  WebhookDeliverer,
  WebhookSigner,
  WebhookVerifier,
  localWebhookUrls,
  publicWebhookUrls,
} from '../../lambda/core/jobs/webhook';
import { localWebhookPost } from '../../lambda/core/jobs/webhook-post';
import { KEYS, startHarness, type Harness } from '../gateway/harness';
import { deletePrefix, useRedis } from '../support/services';
import { startJobsDatabase, workerOn } from './fixtures';

const redis = useRedis();
const SECRET = 'Qm9ZzN4xV7pLr2TsW8kY3hJc5aE6uG1d'; // 32 letters and digits, as Secrets Manager makes them
let db: Awaited<ReturnType<typeof startJobsDatabase>>;
let store: PostgresJobStore;

beforeAll(async () => {
  db = await startJobsDatabase();
  store = new PostgresJobStore(db.pool);
});
afterAll(() => db?.close());

describe('webhook signatures (Standard Webhooks) with replay protection in Redis', () => {
  let verifier: WebhookVerifier;
  beforeAll(() => {
    verifier = new WebhookVerifier(SECRET, new RedisReplayGuard(redis.client, redis.prefix('webhooks')));
  });
  const signer = new WebhookSigner(SECRET);
  const body = JSON.stringify({ type: 'job.succeeded', data: { id: 'job_1' } });

  test('a signed webhook verifies, once; the signature is v1,<base64 HMAC-SHA256>', async () => {
    const headers = signer.sign('msg_a', new Date(), body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    await expect(verifier.verify(body, headers)).resolves.toEqual(JSON.parse(body));
    await expect(verifier.verify(body, headers)).rejects.toThrow(/replay/);
  });

  test('a tampered body, id or signature does not verify', async () => {
    const headers = signer.sign('msg_b', new Date(), body);
    await expect(verifier.verify(body.replace('job_1', 'job_2'), headers)).rejects.toThrow(/No matching signature/);
    await expect(verifier.verify(body, { ...headers, 'webhook-id': 'msg_c' })).rejects.toThrow(/No matching/);
    const other = new WebhookSigner('Zz9ZzN4xV7pLr2TsW8kY3hJc5aE6uG1d').sign('msg_b', new Date(), body);
    await expect(verifier.verify(body, other)).rejects.toThrow(/No matching signature/);
  });

  test('a stale (or far-future) timestamp does not verify, even correctly signed', async () => {
    const stale = signer.sign('msg_d', new Date(Date.now() - 6 * 60_000), body);
    await expect(verifier.verify(body, stale)).rejects.toThrow(/too old/);
    const future = signer.sign('msg_e', new Date(Date.now() + 6 * 60_000), body);
    await expect(verifier.verify(body, future)).rejects.toThrow(/too new/);
  });

  test('a secret too short to be one is refused with what to do', () => {
    expect(() => new WebhookSigner('short')).toThrow(/at least 24 characters/);
    // Receivers' libraries decode the key as base64: a secret they could not use is refused here.
    expect(() => new WebhookSigner('not-base64-but-long-enough_x')).toThrow(/must be base64/);
    expect(() => new WebhookSigner(`whsec_${SECRET}`)).not.toThrow();
  });
});

describe('webhook URLs pass the SSRF guard', () => {
  const resolve = async (host: string) => (host === 'hooks.example.com' ? ['93.184.216.34'] : ['10.1.2.3']);
  const check = publicWebhookUrls(resolve);

  test.each([
    ['http://169.254.169.254/latest/meta-data/', /only https URLs/],
    ['https://169.254.169.254/latest/meta-data/', /not a public one/],
    ['https://10.0.0.7/hook', /not a public one/],
    ['https://[fd00:ec2::254]/', /not a public one/],
    ['https://127.0.0.1/hook', /not a public one/],
    ['https://metadata.google.internal/', /not a public name/],
    ['https://rebinds.example.net/hook', /resolves to an address that is not public/],
    ['https://hooks.example.com:8443/hook', /default https port/],
    ['https://user:pw@hooks.example.com/hook', /user name or password/],
  ])('%s is refused', async (url, why) => {
    await expect(check(url)).rejects.toMatchObject({ status: 400, options: { param: 'webhook_url' } });
    await expect(check(url)).rejects.toThrow(why);
  });

  test('a public https host is accepted; loopback only by the local server’s check', async () => {
    await expect(check('https://hooks.example.com/jobs')).resolves.toBeUndefined();
    await expect(localWebhookUrls(resolve)('http://127.0.0.1:9999/hook')).resolves.toBeUndefined();
    await expect(localWebhookUrls(resolve)('http://10.0.0.7/hook')).rejects.toThrow(/only https/);
  });

  test('the URL is checked again at delivery: a refused one is never fetched', async () => {
    const fetched: string[] = [];
    const deliverer = new WebhookDeliverer({
      signer: new WebhookSigner(SECRET),
      checkUrl: check,
      post: async (url) => (fetched.push(url), 204),
    });
    const job = {
      id: 'job_x',
      owner: { tenant: 't' },
      endpoint: '/v1/embeddings' as const,
      request: {},
      webhookUrl: 'https://rebinds.example.net/hook',
      status: 'succeeded' as const,
      attempts: 1,
      createdAt: new Date(),
      updatedAt: new Date(),
      expiresAt: new Date(),
    };
    expect(await deliverer.deliver(job)).toMatchObject({ delivered: false, attempts: 0 });
    expect(fetched).toEqual([]);
  });
});

describe('jobs API and worker end to end: submit, poll, signed webhook; tenants apart', () => {
  let h: Harness;
  let prefix: string;
  let receiver: Server;
  let receiverUrl: string;
  const received: Array<{ headers: Record<string, string>; body: string }> = [];
  const queued: JobMessage[] = [];

  beforeAll(async () => {
    prefix = redis.prefix('jobs-api');
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString() });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    h = await startHarness({ redis: redis.client, redisPrefix: prefix });
  });
  afterAll(async () => {
    await h?.close();
    await new Promise((resolve) => receiver.close(resolve));
    await deletePrefix(redis.client, prefix);
  });

  const api = () =>
    new JobsApi({
      store,
      queue: { send: async (message) => void queued.push(message) },
      identify: (request) => h.local.gateway.identify(request),
      authorizeModel: (identity, model, kind) => h.local.gateway.authorizeModel(identity, model, kind),
      checkWebhookUrl: localWebhookUrls(async () => ['93.184.216.34']),
      retentionSeconds: 3_600,
      maxBodyBytes: 64 * 1024,
    });
  const call = (method: string, path: string, key: string, body?: unknown) =>
    api().handle({
      method,
      path,
      headers: { authorization: `Bearer ${key}` },
      body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
      signal: new AbortController().signal,
    });

  test('submit answers 202 with a job id at once; the worker runs it; poll shows the result; the webhook verifies', async () => {
    const submitted = await call('POST', '/v1/jobs', KEYS.full, {
      endpoint: '/v1/chat/completions',
      body: { model: 'chat-a', messages: [{ role: 'user', content: 'Hello' }] },
      webhook_url: receiverUrl,
    });
    expect(submitted).toMatchObject({ status: 202 });
    const job = JSON.parse((submitted as { body: string }).body) as { id: string; status: string };
    expect(job).toMatchObject({ id: expect.stringMatching(/^job_[0-9a-f]{32}$/), status: 'queued' });
    expect(queued.at(-1)).toEqual({ jobId: job.id });

    const { sqs, handler } = workerOn(redis.client, `${prefix}idem`, {
      store,
      gateway: h.local.gateway,
      webhooks: new WebhookDeliverer({
        signer: new WebhookSigner(SECRET),
        checkUrl: localWebhookUrls(),
        post: localWebhookPost(),
      }),
    });
    sqs.send(encodeJobMessage({ jobId: job.id }));
    await sqs.poll(handler);

    const polled = await call('GET', `/v1/jobs/${job.id}`, KEYS.full);
    expect(polled?.status).toBe(200);
    expect(JSON.parse((polled as { body: string }).body)).toMatchObject({
      id: job.id,
      status: 'succeeded',
      result: { object: 'chat.completion' },
    });
    expect(received).toHaveLength(1);
    const verifier = new WebhookVerifier(SECRET, new RedisReplayGuard(redis.client, `${prefix}seen:`));
    await expect(verifier.verify(received[0].body, received[0].headers)).resolves.toMatchObject({
      type: 'job.succeeded',
      data: { id: job.id, status: 'succeeded' },
    });
  });

  test('a tenant cannot read another tenant’s job: 404, as for an unknown id', async () => {
    const submitted = await call('POST', '/v1/jobs', KEYS.full, {
      endpoint: '/v1/embeddings',
      body: { model: 'embed', input: 'fox' },
    });
    const { id } = JSON.parse((submitted as { body: string }).body) as { id: string };
    await expect(call('GET', `/v1/jobs/${id}`, KEYS.restricted)).rejects.toMatchObject({
      status: 404,
      options: { code: 'job_not_found' },
    });
    await expect(call('GET', `/v1/jobs/${id}`, KEYS.full)).resolves.toMatchObject({ status: 200 });
    await expect(call('GET', `/v1/jobs/${id}`, 'sk-wrong')).rejects.toMatchObject({ status: 401 });
  });

  test.each([
    [{ endpoint: '/v1/files', body: {} }, /endpoint/],
    [{ endpoint: '/v1/chat/completions', body: { model: 'chat-a', messages: [], stream: true } }, /cannot stream/],
    [{ endpoint: '/v1/chat/completions', body: { model: 'chat-a' } }, /messages/],
    [
      { endpoint: '/v1/embeddings', body: { model: 'embed', input: 'x' }, webhook_url: 'https://10.0.0.1/x' },
      /not a public one/,
    ],
  ])('a bad submission is a 400 that says what to send: %j', async (body, why) => {
    await expect(call('POST', '/v1/jobs', KEYS.full, body)).rejects.toMatchObject({ status: 400 });
    await expect(call('POST', '/v1/jobs', KEYS.full, body)).rejects.toThrow(why);
  });
});

describe('workers keep the owner’s token limits', () => {
  let h: Harness;
  let prefix: string;
  beforeAll(async () => {
    prefix = redis.prefix('jobs-limits');
    h = await startHarness({ redis: redis.client, redisPrefix: prefix, tokenLimits: { tenant: { perMinute: 1_000 } } });
  });
  afterAll(async () => {
    await h?.close();
    await deletePrefix(redis.client, prefix);
  });

  test('a job over the tenant’s token limit is deferred (no provider call), then runs when tokens free up', async () => {
    let release!: () => void;
    h.openai.faults.push({ kind: 'hold', until: new Promise<void>((resolve) => (release = resolve)) });
    // A synchronous call holds a 910-token reservation of the tenant's 1,000 per minute.
    const inFlight = h.client().chat.completions.create({
      model: 'chat-a',
      messages: [{ role: 'user', content: 'Tell me about foxes.' }],
      max_tokens: 900,
    });
    while (h.openai.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const calls = h.openai.requests.length;
    const job = await store.create({
      id: `job_${'a'.repeat(32)}`,
      owner: { tenant: 'tenant-a', user: 'alice' },
      endpoint: '/v1/chat/completions',
      request: { model: 'chat-a', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 300 },
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    const { sqs, handler, outcomes } = workerOn(redis.client, `${prefix}idem`, { store, gateway: h.local.gateway });
    sqs.send(encodeJobMessage({ jobId: job.id }));
    await sqs.poll(handler);
    expect(outcomes).toEqual([{ kind: 'deferred', jobId: job.id, delaySeconds: expect.any(Number) }]);
    expect(h.openai.requests.length).toBe(calls);

    release();
    await inFlight;
    sqs.advance(900);
    await sqs.poll(handler);
    expect(await store.get('tenant-a', job.id)).toMatchObject({ status: 'succeeded' });
    expect(sqs.deadLetters).toHaveLength(0);
  });
});
