import type { APIGatewayProxyEvent } from 'aws-lambda';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EMBEDDED_CONFIG } from '../../lambda/runtime/embedded-config';
import { MemoryReplayGuard, WebhookVerifier, localWebhookUrls } from '../../lambda/core/jobs/webhook';
import { localWebhookPost } from '../../lambda/core/jobs/webhook-post';
import { GATEWAY_ENV, JOBS_ENV } from '../../lambda/contract/environment';
import { proxyHandler } from '../../lambda/adapters/proxy-adapter';
import { authorizerIdentity, createDeployedJobsApi } from '../../lambda/jobs-api/runtime';
import { jobsWorkerHandler } from '../../lambda/jobs-worker/batch';
import { createDeployedJobsWorker } from '../../lambda/jobs-worker/runtime';
import {
  startFakeSecretsManager,
  secretsProviderFor,
  type FakeSecretsManager,
} from '../support/fake-aws/secrets-manager';
import { FakeSqsQueue } from '../support/fake-aws/sqs';
import { REDIS_URL } from '../support/services';
import { quietGatewayTelemetry } from '../support/telemetry';
import { startJobsDatabase } from './fixtures';

/**
 * The two jobs functions as deployed: wired from the environment the AsyncJobs construct sets (the
 * database and Redis by URL here, the signing secret from a loopback Secrets Manager, the queue a
 * fake SQS client), driven through their Lambda adapters with API Gateway and SQS events.
 */
const SIGNING_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:llm/jobs-webhook-AbCdEf';
const SIGNING_SECRET = 'Zx8pQ2mN7vR4tY6uW1sK3dF5gH9jL0aB';
const context = { getRemainingTimeInMillis: () => 60_000 };

let db: Awaited<ReturnType<typeof startJobsDatabase>>;
let secretsManager: FakeSecretsManager;
let receiver: Server;
let received: Array<{ body: string; headers: IncomingMessage['headers'] }>;
let handlerDir: string;

beforeAll(async () => {
  db = await startJobsDatabase();
  secretsManager = await startFakeSecretsManager({ [SIGNING_SECRET_ARN]: SIGNING_SECRET });
  received = [];
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.writeHead(204).end();
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  handlerDir = mkdtempSync(path.join(tmpdir(), 'jobs-worker-'));
  writeFileSync(path.join(handlerDir, 'gateway-config.json'), JSON.stringify(EMBEDDED_CONFIG));
});
afterAll(async () => {
  await db?.close();
  await secretsManager?.close();
  receiver?.close();
});

function envFor(queueUrl: string): Record<string, string> {
  return {
    [GATEWAY_ENV.configFile]: 'gateway-config.json',
    [GATEWAY_ENV.vectorDbUrl]: db.pg.connectionString,
    [GATEWAY_ENV.redisUrl]: REDIS_URL,
    [JOBS_ENV.queueUrl]: queueUrl,
    [JOBS_ENV.maxReceiveCount]: '3',
    [JOBS_ENV.retentionSeconds]: '3600',
    [JOBS_ENV.maxBodyBytes]: '1048576',
    [JOBS_ENV.webhookSecretArn]: SIGNING_SECRET_ARN,
    AWS_LAMBDA_FUNCTION_NAME: `jobs-worker-test-${process.pid}-${Date.now()}`,
  };
}

function apiEvent(method: string, route: string, body?: unknown, tenant: string | null = 'tenant-a') {
  return {
    httpMethod: method,
    path: route,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { requestId: 'req-123', authorizer: tenant ? { tenant, user: 'alice' } : null },
  } as unknown as APIGatewayProxyEvent;
}

test('submit through the API function, run by the worker function, poll, and a signed webhook arrives', async () => {
  const sqs = new FakeSqsQueue({ visibilityTimeoutSeconds: 60, maxReceiveCount: 3 });
  const env = envFor('https://sqs.us-east-1.amazonaws.com/111122223333/jobs');
  const secrets = secretsProviderFor(secretsManager);
  const api = await createDeployedJobsApi(
    env,
    { sqs: sqs.client, secrets, checkWebhookUrl: localWebhookUrls() },
    handlerDir,
  );
  const worker = await createDeployedJobsWorker(env, quietGatewayTelemetry(), handlerDir, () => 60_000, {
    sqs: sqs.client,
    secrets,
    checkWebhookUrl: localWebhookUrls(),
    webhookPost: localWebhookPost(),
  });
  try {
    const handleApi = proxyHandler(
      (request) => api.api.handle(request),
      (error) => {
        throw error;
      },
    );
    const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/jobs`;
    const submitted = await handleApi(
      apiEvent('POST', '/jobs', {
        endpoint: '/v1/chat/completions',
        body: { model: 'builtin-chat', messages: [{ role: 'user', content: 'Summarise the fox.' }] },
        webhook_url: webhookUrl,
      }),
      context,
    );
    expect(submitted.statusCode).toBe(202);
    expect(submitted.headers).toMatchObject({ 'x-request-id': 'req-123' });
    const job = JSON.parse(submitted.body) as { id: string; status: string };
    expect(job.status).toBe('queued');
    expect(sqs.depth).toBe(1);

    const outcomes: unknown[] = [];
    const handleBatch = jobsWorkerHandler({
      worker: async () => worker.worker,
      onOutcome: (outcome) => outcomes.push(outcome),
      onRetry: (error) => outcomes.push(error),
    });
    expect(await sqs.poll(handleBatch)).toBe(1);
    // Under load a Redis command can outlast the deployed 250 ms timeout: that delivery is retried,
    // as SQS would after the visibility timeout. The job must still run once and succeed.
    for (let round = 0; round < 2 && sqs.depth > 0; round++) {
      sqs.advance(61);
      await sqs.poll(handleBatch);
    }
    expect(outcomes.at(-1)).toEqual({
      kind: 'succeeded',
      jobId: job.id,
      webhook: { delivered: true, attempts: 1, outcome: 'HTTP 204' },
    });
    expect(sqs.depth).toBe(0);

    const polled = await handleApi(apiEvent('GET', `/jobs/${job.id}`), context);
    expect(polled.statusCode).toBe(200);
    expect(JSON.parse(polled.body)).toMatchObject({
      id: job.id,
      status: 'succeeded',
      result: { object: 'chat.completion' },
    });
    // Another tenant asking for the same id learns nothing.
    expect((await handleApi(apiEvent('GET', `/jobs/${job.id}`, undefined, 'tenant-b'), context)).statusCode).toBe(404);

    expect(received).toHaveLength(1);
    const verifier = new WebhookVerifier(SIGNING_SECRET, new MemoryReplayGuard());
    const headers = received[0].headers as Record<string, string>;
    await expect(verifier.verify(received[0].body, headers)).resolves.toMatchObject({
      type: 'job.succeeded',
      data: { id: job.id, status: 'succeeded' },
    });
    await expect(verifier.verify(received[0].body, headers)).rejects.toThrow(/replay/);
  } finally {
    await api.close();
    await worker.close();
  }
});

test('the API function answers refusals in the OpenAI error format, with the request id', async () => {
  const sqs = new FakeSqsQueue({ visibilityTimeoutSeconds: 60, maxReceiveCount: 3 });
  const env = envFor('https://sqs.us-east-1.amazonaws.com/111122223333/jobs');
  const api = await createDeployedJobsApi(
    env,
    { sqs: sqs.client, secrets: secretsProviderFor(secretsManager) },
    handlerDir,
  );
  const failures: unknown[] = [];
  const handle = proxyHandler(
    (request) => api.api.handle(request),
    (error) => failures.push(error),
  );
  try {
    const anonymous = await handle(apiEvent('POST', '/jobs', {}, null), context);
    expect(anonymous.statusCode).toBe(401);
    expect(JSON.parse(anonymous.body).error).toMatchObject({ type: 'authentication_error' });
    const unknown = await handle(apiEvent('GET', '/elsewhere'), context);
    expect(unknown.statusCode).toBe(404);
    expect(JSON.parse(unknown.body).error.code).toBe('unknown_url');
    const invalid = await handle(apiEvent('POST', '/jobs', { endpoint: '/v1/images' }), context);
    expect(invalid.statusCode).toBe(400);
    expect(invalid.headers).toMatchObject({ 'x-request-id': 'req-123', 'content-type': 'application/json' });
    // A private webhook address is refused at submit (the deployed check allows public https only).
    const ssrf = await handle(
      apiEvent('POST', '/jobs', {
        endpoint: '/v1/embeddings',
        body: { model: 'builtin-embedding', input: 'x' },
        webhook_url: 'http://169.254.169.254/latest/meta-data',
      }),
      context,
    );
    expect(ssrf.statusCode).toBe(400);
    expect(sqs.depth).toBe(0);
    expect(failures).toEqual([]); // every refusal was an answer, not a failure
  } finally {
    await api.close();
  }
});

test('a missing or malformed setting names the variable and the construct that sets it', async () => {
  const env = envFor('https://sqs.example/jobs');
  const sqs = new FakeSqsQueue({ visibilityTimeoutSeconds: 60, maxReceiveCount: 3 });
  const secrets = secretsProviderFor(secretsManager);
  await expect(
    createDeployedJobsApi({ ...env, [JOBS_ENV.queueUrl]: undefined }, { sqs: sqs.client, secrets }),
  ).rejects.toThrow(/JOBS_QUEUE_URL; the AsyncJobs construct sets it/);
  await expect(
    createDeployedJobsWorker(
      { ...env, [JOBS_ENV.maxReceiveCount]: 'three' },
      quietGatewayTelemetry(),
      handlerDir,
      () => 1,
      {
        sqs: sqs.client,
        secrets,
      },
    ),
  ).rejects.toThrow(/JOBS_MAX_RECEIVE_COUNT is "three"/);
  await expect(
    createDeployedJobsWorker(
      { ...env, [GATEWAY_ENV.redisUrl]: undefined },
      quietGatewayTelemetry(),
      handlerDir,
      () => 1,
      {
        sqs: sqs.client,
        secrets,
      },
    ),
  ).rejects.toThrow(/needs the gateway's Redis/);
});

test('behind the API every request carries its tenant; one without is refused', () => {
  const request = {
    method: 'GET',
    path: '/v1/jobs/x',
    headers: {},
    body: new Uint8Array(),
    signal: new AbortController().signal,
  };
  expect(() => authorizerIdentity(request)).toThrow(/no tenant/);
  expect(authorizerIdentity({ ...request, identity: { tenant: 't' } })).toEqual({ tenant: 't' });
});
