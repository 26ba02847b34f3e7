import OpenAI from 'openai';
import { parseGatewayConfig } from '../../lambda/core/config/load';
import { EMBEDDED_CONFIG, LOCAL_DEVELOPMENT_KEY } from '../../lambda/runtime/embedded-config';
import { sha256Hex } from '../../lambda/core/pipeline/identity';
import { JsonLineTraceSink } from '../../lambda/core/trace/record';
import { embeddingsRoute } from '../../lambda/local/embeddings';
import { jobsRoute } from '../../lambda/local/jobs';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/server';
import { KEYS, startHarness, type Harness } from '../gateway/harness';
import { startJobsDatabase } from '../jobs/fixtures';

/**
 * Requests from outside, through the local server with loopback providers and the official client:
 * what a client may learn of the platform's insides when a provider fails, how many DNS look-ups a
 * request can cause, and what a key restricted to some models can reach beside the gateway.
 */
const messages = [{ role: 'user' as const, content: 'hello' }];

describe('provider failures reach the client as stable messages; the detail goes to the log', () => {
  let h: Harness;
  const lines: string[] = [];
  beforeAll(async () => {
    h = await startHarness({ alsoTraceTo: new JsonLineTraceSink((line) => void lines.push(line)) });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.openai.faults.length = 0;
    h.anthropic.faults.length = 0;
  });

  test('an upstream 401 that echoes our key is a 502 naming no deployment and quoting no provider', async () => {
    const echo = {
      error: {
        message: 'Incorrect API key provided: sk-proj-upstreamkey1234567890abcd',
        type: 'invalid_request_error',
      },
    };
    h.openai.faults.push({ kind: 'status', status: 401, body: echo });
    h.anthropic.faults.push({
      kind: 'status',
      status: 401,
      body: {
        type: 'error',
        error: { type: 'authentication_error', message: 'invalid x-api-key sk-ant-upstream987654321' },
      },
    });
    const { error, response } = await h
      .client()
      .chat.completions.create({ model: 'chat-a', messages })
      .withResponse()
      .then(
        () => ({ error: undefined, response: undefined }),
        (e: InstanceType<typeof OpenAI.APIError>) => ({ error: e, response: e.headers }),
      );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error!.status).toBe(502);
    expect(error!.code).toBe('upstream_failed');
    const said = JSON.stringify(error!.error);
    for (const inside of ['openai-primary', 'anthropic-fallback', 'Incorrect API key', 'sk-', 'x-api-key', '401'])
      expect(said).not.toContain(inside);
    expect(response?.get('x-llm-deployment')).toBeNull();
    // The operator finds which deployments failed, and their providers' error types, under the
    // request id; never the providers' words, which can echo our key or the prompt.
    const requestId = response!.get('x-request-id')!;
    const line = lines.find((l) => l.includes(requestId))!;
    expect(JSON.parse(line).errorDetail).toBe(
      'openai-primary answered 401 (invalid_request_error); anthropic-fallback answered 401 (authentication_error)',
    );
    expect(line).not.toContain('upstreamkey');
    expect(line).not.toContain('upstream987654321');
  });

  test('a provider’s 400 about the request itself is passed on, without the deployment’s name', async () => {
    h.openai.faults.push({
      kind: 'status',
      status: 400,
      body: {
        error: {
          message: 'max_tokens is too large: 999999. This model supports at most 16384 completion tokens.',
          type: 'invalid_request_error',
        },
      },
    });
    const error = (await h
      .client()
      .chat.completions.create({ model: 'chat-a', messages })
      .catch((e) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(400);
    expect(error.code).toBe('upstream_rejected_request');
    expect(error.message).toContain('max_tokens is too large: 999999');
    expect(error.message).not.toContain('openai-primary');
  });

  test('every failure class has a message free of deployment ids; answers carry no deployment header', async () => {
    h.openai.faults.push({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    h.anthropic.faults.push(
      { kind: 'status', status: 429, retryAfter: '0' },
      { kind: 'status', status: 429, retryAfter: '0' },
    );
    const failed = (await h
      .client()
      .chat.completions.create({ model: 'chat-a', messages })
      .catch((e) => e)) as Error;
    expect(failed.message).not.toMatch(/openai-primary|anthropic-fallback|answered/);
    const ok = await h.client().chat.completions.create({ model: 'chat-a', messages }).withResponse();
    expect(ok.response.headers.get('x-llm-deployment')).toBeNull();
    const streamed = await h
      .client()
      .chat.completions.create({ model: 'chat-a', messages, stream: true })
      .withResponse();
    expect(streamed.response.headers.get('x-llm-deployment')).toBeNull();
    for await (const _ of streamed.data);
  });
});

describe('URLs in a request cost a bounded number of DNS look-ups, and translated IPv6 forms are refused', () => {
  let h: Harness;
  let lookups: string[] = [];
  const addresses: Record<string, string[]> = {
    'siit.example.com': ['::ffff:0:7f00:1'],
    'mapped.example.com': ['::ffff:10.0.0.1'],
  };
  beforeAll(async () => {
    h = await startHarness({
      maxBodyBytes: 4 * 1024 * 1024,
      resolveHost: async (host) => (lookups.push(host), addresses[host] ?? ['93.184.216.34']),
    });
  });
  afterAll(() => h.close());
  beforeEach(() => (lookups = []));
  const imageRequest = (urls: string[]) => ({
    model: 'chat-a',
    messages: [
      { role: 'user' as const, content: urls.map((url) => ({ type: 'image_url' as const, image_url: { url } })) },
    ],
  });

  test('20,000 image URLs on distinct hosts: refused after at most the configured number of look-ups', async () => {
    const urls = Array.from({ length: 20_000 }, (_, i) => `https://h${i}.example.com/a.png`);
    const error = (await h
      .client()
      .chat.completions.create(imageRequest(urls))
      .catch((e) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/at most 8 distinct host names/);
    expect(lookups.length).toBeLessThanOrEqual(8);
  });

  test('20,000 image URLs on one host: one look-up', async () => {
    // To the Anthropic-format deployment, which (unlike the self-hosted fake) fetches nothing itself.
    const urls = Array.from({ length: 20_000 }, (_, i) => `https://cdn.example.com/${i}.png`);
    await h
      .client()
      .chat.completions.create({ ...imageRequest(urls), model: 'claude' })
      .catch(() => undefined);
    expect(lookups).toEqual(['cdn.example.com']);
  });

  test.each([
    ['a name resolving to an IPv4-translated (SIIT) address', 'https://siit.example.com/a.png'],
    ['a name resolving to an IPv4-mapped private address', 'https://mapped.example.com/a.png'],
    ['an IPv4-translated literal', 'https://[::ffff:0:7f00:1]/a.png'],
    ['an IPv4-translated literal of the metadata service', 'https://[::ffff:0:a9fe:a9fe]/a.png'],
  ])('%s is refused', async (_, url) => {
    const error = (await h
      .client()
      .chat.completions.create(imageRequest([url]))
      .catch((e) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(400);
    expect(error.code).toBe('url_not_allowed');
  });
});

describe('beside the gateway, a key restricted to some models reaches only those', () => {
  const RESTRICTED = 'sk-local-embeddings-only';
  let db: Awaited<ReturnType<typeof startJobsDatabase>>;
  let jobs: ReturnType<typeof jobsRoute>;
  let local: LocalGateway;
  beforeAll(async () => {
    db = await startJobsDatabase();
    jobs = jobsRoute({ pool: db.pool, webhookSecret: 'bG9jYWwtd2ViaG9vay1zZWNyZXQtZm9yLXRlc3Rz' });
    const config = parseGatewayConfig({
      ...EMBEDDED_CONFIG,
      apiKeys: [
        ...EMBEDDED_CONFIG.apiKeys!,
        { sha256: sha256Hex(RESTRICTED), tenant: 'local', models: ['builtin-embedding'] },
      ],
    });
    local = await startLocalGateway({ config, routes: [jobs.route, embeddingsRoute({ pool: db.pool })] });
  });
  afterAll(async () => {
    jobs?.close();
    await local?.close();
    await db?.close();
  });
  const call = async (method: string, route: string, key: string, body?: unknown) => {
    const response = await fetch(`${local.url}/v1${route}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as { id?: string; error?: { code: string; param: string } },
    };
  };
  const chatJob = { endpoint: '/v1/chat/completions', body: { model: 'builtin-chat', messages } };

  test('submitting a job for another model is a 403; for its own, accepted', async () => {
    expect(await call('POST', '/jobs', RESTRICTED, chatJob)).toMatchObject({
      status: 403,
      body: { error: { code: 'model_not_allowed' } },
    });
    expect(
      (
        await call('POST', '/jobs', RESTRICTED, {
          endpoint: '/v1/embeddings',
          body: { model: 'text-embedding-3-small', input: 'x' },
        })
      ).status,
    ).toBe(202);
  });

  test('reading a job of its tenant for another model is a 404, as for an unknown job', async () => {
    const { body } = await call('POST', '/jobs', LOCAL_DEVELOPMENT_KEY, chatJob);
    expect((await call('GET', `/jobs/${body.id}`, LOCAL_DEVELOPMENT_KEY)).status).toBe(200);
    expect(await call('GET', `/jobs/${body.id}`, RESTRICTED)).toMatchObject({
      status: 404,
      body: { error: { code: 'job_not_found' } },
    });
  });

  test('a collection is refused for an unknown model, a chat model, or a model the key may not use', async () => {
    for (const [model, status] of [
      ['no-such-model', 404],
      ['builtin-chat', 404],
    ] as const)
      expect(
        (await call('POST', '/collections', LOCAL_DEVELOPMENT_KEY, { name: `c-${status}-${model}`, model })).status,
      ).toBe(status);
    expect(
      (await call('POST', '/collections', LOCAL_DEVELOPMENT_KEY, { name: 'notes', model: 'builtin-embedding' })).status,
    ).toBe(201);
    expect(
      (await call('POST', '/collections/notes/reindex', LOCAL_DEVELOPMENT_KEY, { model: 'no-such-model' })).status,
    ).toBe(404);
    const collection = await fetch(`${local.url}/v1/collections/notes`, {
      headers: { authorization: `Bearer ${LOCAL_DEVELOPMENT_KEY}` },
    });
    expect(((await collection.json()) as { versions: unknown[] }).versions).toHaveLength(1); // no version left building
  });

  test('a data: URL is not a webhook', async () => {
    const { status, body } = await call('POST', '/jobs', LOCAL_DEVELOPMENT_KEY, {
      ...chatJob,
      webhook_url: 'data:text/plain,hello',
    });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ param: 'webhook_url', code: 'url_not_allowed' });
  });
});

test('the restricted harness key is refused a model through the gateway as before (control)', async () => {
  const h = await startHarness();
  try {
    const error = (await h
      .client(KEYS.restricted)
      .chat.completions.create({ model: 'chat-a', messages })
      .catch((e) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(403);
  } finally {
    await h.close();
  }
});
