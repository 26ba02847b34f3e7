import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_DEVELOPMENT_KEY } from '../../lambda/runtime/embedded-config';
import { embeddingsRoute } from '../../lambda/local/embeddings';
import { jobsRoute } from '../../lambda/local/jobs';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/server';
import { startWebhookReceiver } from '../../scripts/webhook-receiver';
import { startJobsDatabase } from './fixtures';

/**
 * What the README shows, as `npm start` wires it: the jobs API and the collections API beside the
 * local gateway, a job's webhook verified by the example receiver (`npm run webhook:receive`).
 */
const SECRET = 'bG9jYWwtd2ViaG9vay1zZWNyZXQtZm9yLXRlc3Rz'; // base64, as `openssl rand -base64` makes
let db: Awaited<ReturnType<typeof startJobsDatabase>>;
let local: LocalGateway;
let jobs: ReturnType<typeof jobsRoute>;
let receiver: Server;
const received: string[] = [];

beforeAll(async () => {
  db = await startJobsDatabase();
  jobs = jobsRoute({ pool: db.pool, webhookSecret: SECRET });
  local = await startLocalGateway({ routes: [jobs.route, embeddingsRoute({ pool: db.pool })] });
  receiver = await startWebhookReceiver(SECRET, 0, (line) => received.push(line));
});
afterAll(async () => {
  jobs?.close();
  await local?.close();
  receiver?.close();
  await db?.close();
});

const call = (method: string, path: string, body?: unknown, key = LOCAL_DEVELOPMENT_KEY) =>
  fetch(`${local.url}/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

test('submit → poll → a verified webhook, through the local server', async () => {
  const port = (receiver.address() as AddressInfo).port;
  const submitted = await call('POST', '/jobs', {
    endpoint: '/v1/chat/completions',
    body: { model: 'builtin-chat', messages: [{ role: 'user', content: 'Summarise our leave policy.' }] },
    webhook_url: `http://127.0.0.1:${port}/hooks/jobs`,
  });
  expect(submitted.status).toBe(202);
  const { id } = (await submitted.json()) as { id: string };
  expect(submitted.headers.get('location')).toBe(`/v1/jobs/${id}`);
  const done = await until(async () => {
    const job = (await (await call('GET', `/jobs/${id}`)).json()) as { status: string };
    return job.status === 'succeeded' ? job : undefined;
  }, 'the job to succeed');
  expect(done).toMatchObject({ result: { object: 'chat.completion' } });
  const line = await until(async () => received.find((l) => l.includes(id)), 'the webhook');
  expect(line).toMatch(new RegExp(`^verified msg_${id}_succeeded: .*"type":"job.succeeded"`));
});

test('the receiver refuses a delivery whose signature does not match', async () => {
  const port = (receiver.address() as AddressInfo).port;
  const response = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: {
      'webhook-id': 'msg_forged',
      'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      'webhook-signature': 'v1,Zm9yZ2VkIHNpZ25hdHVyZSBvZiB0aGlydHktdHdvIGJ5dGVzISE=',
    },
    body: '{"type":"job.succeeded"}',
  });
  expect(response.status).toBe(400);
  expect(received.at(-1)).toMatch(/^rejected msg_forged: /);
});

test('ingest → search through the local server, and the same key set as the gateway', async () => {
  expect((await call('POST', '/collections', { name: 'handbook', model: 'builtin-embedding' })).status).toBe(201);
  const ingested = await call('POST', '/collections/handbook/documents', {
    documents: [
      { id: 'leave', text: 'Annual leave is 25 days a year.', metadata: { team: 'hr' } },
      { id: 'laptops', text: 'Laptops are replaced every three years.', metadata: { team: 'it' } },
    ],
  });
  expect(await ingested.json()).toEqual({ documents: 2, chunks_written: 2, unchanged: 0 });
  const search = await call('POST', '/collections/handbook/search', { query: 'annual leave days', top_k: 1 });
  expect(((await search.json()) as { data: unknown[] }).data).toEqual([
    expect.objectContaining({ document_id: 'leave', metadata: { team: 'hr' } }),
  ]);
  expect((await call('GET', '/collections/handbook', undefined, 'sk-wrong')).status).toBe(401);
  expect((await call('GET', '/jobs/job_0123456789abcdef0123456789abcdef', undefined, 'sk-wrong')).status).toBe(401);
});
