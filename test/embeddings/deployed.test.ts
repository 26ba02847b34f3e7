import { type S3Client, GetObjectCommand } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent, Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EMBEDDED_CONFIG } from '../../lambda/runtime/embedded-config';
import { encodeReindexMessage } from '../../lambda/core/embeddings/reindex-queue';
import { EMBEDDINGS_ENV, GATEWAY_ENV } from '../../lambda/contract/environment';
import { createDeployedEmbeddingsApi } from '../../lambda/runtime/deployed-embeddings';
import { createDeployedEmbeddingsWorker } from '../../lambda/embeddings-worker/runtime';
import { decodeEmbeddingsWork } from '../../lambda/embeddings-worker/work';
import type { EmbeddingsWorkOutcome, EmbeddingsWorker } from '../../lambda/embeddings-worker/worker';
import { proxyHandler } from '../../lambda/adapters/proxy-adapter';
import { sqsBatchHandler } from '../../lambda/adapters/sqs-batch';
import { FakeSqsQueue } from '../support/fake-aws/sqs';
import { quietGatewayTelemetry } from '../support/telemetry';
import { startEmbeddingsDatabase } from './fixtures';

/**
 * The embedding service's functions as deployed: wired from the environment the EmbeddingService
 * construct sets (the database by URL, the gateway config beside the handler), driven through
 * their Lambda adapters with API Gateway events, S3 notifications and SQS batches.
 */
let db: Awaited<ReturnType<typeof startEmbeddingsDatabase>>;
let handlerDir: string;
const context = { getRemainingTimeInMillis: () => 60_000 };

beforeAll(async () => {
  db = await startEmbeddingsDatabase();
  handlerDir = mkdtempSync(path.join(tmpdir(), 'embeddings-'));
  writeFileSync(path.join(handlerDir, 'gateway-config.json'), JSON.stringify(EMBEDDED_CONFIG));
});
afterAll(async () => {
  await db?.close();
});

const env = () => ({
  [GATEWAY_ENV.configFile]: 'gateway-config.json',
  [GATEWAY_ENV.vectorDbUrl]: db.pg.connectionString,
  [EMBEDDINGS_ENV.queueUrl]: 'https://sqs.us-east-1.amazonaws.com/111122223333/embeddings',
  [EMBEDDINGS_ENV.maxBodyBytes]: '1048576',
  [EMBEDDINGS_ENV.maxObjectBytes]: '65536',
});

/** A bucket in memory, answering GetObject as the SDK's S3 client does. */
function fakeS3(objects: Record<string, string>) {
  const reads: string[] = [];
  const client = {
    send: async (command: GetObjectCommand) => {
      if (!(command instanceof GetObjectCommand)) throw new Error('fake S3: GetObject only');
      const key = `${command.input.Bucket}/${command.input.Key}`;
      reads.push(key);
      if (!(key in objects)) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
      const bytes = Buffer.from(objects[key], 'utf8');
      return { Body: { transformToByteArray: async () => new Uint8Array(bytes) } };
    },
  } as unknown as Pick<S3Client, 'send'>;
  return { client, reads };
}

function s3Event(records: Array<{ key: string; size: number; eventName?: string }>, bucket = 'ingest') {
  return JSON.stringify({
    Records: records.map((r) => ({
      eventSource: 'aws:s3',
      eventName: r.eventName ?? 'ObjectCreated:Put',
      s3: { bucket: { name: bucket }, object: { key: r.key, size: r.size } },
    })),
  });
}

/** What EventBridge puts on the queue for one new object (the construct's wiring): the key as is. */
function objectCreatedEvent(key: string, size: number, bucket = 'ingest', detailType = 'Object Created') {
  return JSON.stringify({
    version: '0',
    id: 'c9888434-815d-c6f4-9fc2-4dd7bdeccaaf',
    'detail-type': detailType,
    source: 'aws.s3',
    account: '111122223333',
    time: '2026-12-07T13:09:50Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: { version: '0', bucket: { name: bucket }, object: { key, size, etag: 'e' }, reason: 'PutObject' },
  });
}

function apiEvent(method: string, route: string, body?: unknown): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path: route,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { requestId: 'req-9', authorizer: { tenant: 'tenant-d', user: 'dora' } },
  } as unknown as APIGatewayProxyEvent;
}

describe('the queue carries two kinds of work', () => {
  test('re-index messages, S3 notifications with form-encoded keys, and S3 test events are told apart', () => {
    expect(decodeEmbeddingsWork(encodeReindexMessage({ tenant: 't', collection: 'c', version: 2 }))).toEqual({
      kind: 'reindex',
      message: { tenant: 't', collection: 'c', version: 2 },
    });
    expect(
      decodeEmbeddingsWork(
        s3Event([
          { key: 'tenant-a/docs/field+notes%281%29.txt', size: 12 },
          { key: 'tenant-a/docs/old.txt', size: 3, eventName: 'ObjectRemoved:Delete' },
        ]),
      ),
    ).toEqual({ kind: 'objects', objects: [{ bucket: 'ingest', key: 'tenant-a/docs/field notes(1).txt', size: 12 }] });
    expect(decodeEmbeddingsWork(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' }))).toEqual({
      kind: 'test-event',
    });
    // EventBridge's events carry the key unencoded: a '+' is a '+'.
    expect(decodeEmbeddingsWork(objectCreatedEvent('tenant-a/docs/a+b (1).txt', 7))).toEqual({
      kind: 'objects',
      objects: [{ bucket: 'ingest', key: 'tenant-a/docs/a+b (1).txt', size: 7 }],
    });
    expect(decodeEmbeddingsWork(objectCreatedEvent('tenant-a/docs/x.txt', 1, 'ingest', 'Object Deleted'))).toEqual({
      kind: 'objects',
      objects: [],
    });
    for (const poison of [
      'not json',
      '{}',
      '{"Records":[]}',
      '{"Records":[{"eventSource":"aws:sqs"}]}',
      '{"tenant":"t"}',
      '{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{}}}',
    ])
      expect(decodeEmbeddingsWork(poison)).toBeUndefined();
  });
});

describe('deployed functions', () => {
  test('create, ingest and search through the API function; a re-index queued on SQS is built by the worker', async () => {
    const sqs = new FakeSqsQueue({ visibilityTimeoutSeconds: 60, maxReceiveCount: 3 });
    const api = await createDeployedEmbeddingsApi(env(), quietGatewayTelemetry(), handlerDir, { sqs: sqs.client });
    const worker = await createDeployedEmbeddingsWorker(env(), quietGatewayTelemetry(), handlerDir, {
      sqs: sqs.client,
      s3: fakeS3({}).client,
    });
    try {
      const failures: unknown[] = [];
      const handle = proxyHandler(
        (request) => api.api.handle(request),
        (error) => failures.push(error),
      );
      const created = await handle(
        apiEvent('POST', '/collections', { name: 'handbook', model: 'builtin-embedding', chunk_size: 120 }),
        context,
      );
      expect(created.statusCode).toBe(201);
      const ingested = await handle(
        apiEvent('POST', '/collections/handbook/documents', {
          documents: [
            { id: 'leave', text: 'Annual leave is 25 days; request it in the HR portal.', metadata: { team: 'hr' } },
            { id: 'laptops', text: 'Laptops are replaced every three years by IT.', metadata: { team: 'it' } },
          ],
        }),
        context,
      );
      expect(ingested.statusCode).toBe(200);
      const search = async () =>
        JSON.parse(
          (await handle(apiEvent('POST', '/collections/handbook/search', { query: 'how many days of leave' }), context))
            .body,
        );
      expect((await search()).data[0]).toMatchObject({ document_id: 'leave', metadata: { team: 'hr' } });

      const reindex = await handle(
        apiEvent('POST', '/collections/handbook/reindex', { chunk_size: 60, chunk_overlap: 10 }),
        context,
      );
      expect(reindex.statusCode).toBe(202);
      expect(sqs.depth).toBe(1);
      const outcomes: EmbeddingsWorkOutcome[] = [];
      const batch = batchHandler(worker.worker, outcomes);
      expect(await sqs.poll(batch)).toBe(1);
      expect(outcomes).toEqual([
        { kind: 'reindex', outcome: expect.objectContaining({ kind: 'switched', version: 2 }) },
      ]);
      const after = await search();
      expect(after.version).toBe(2);
      expect(after.data[0]).toMatchObject({ document_id: 'leave' });
      expect(failures).toEqual([]);
    } finally {
      await api.close();
      await worker.close();
    }
  });

  test('objects dropped in the bucket are ingested as the tenant their key names; hopeless ones are rejected, not retried', async () => {
    const sqs = new FakeSqsQueue({ visibilityTimeoutSeconds: 60, maxReceiveCount: 3 });
    const api = await createDeployedEmbeddingsApi(env(), quietGatewayTelemetry(), handlerDir, { sqs: sqs.client });
    const s3 = fakeS3({
      'ingest/tenant-d/drops/onboarding notes.md': '# Onboarding\nNew starters meet their buddy on day one.',
      'ingest/tenant-d/drops/policy.json': JSON.stringify({
        id: 'travel',
        text: 'Book trains over flights under 500 km.',
      }),
      'ingest/tenant-d/drops/slides.pptx': 'binary',
      'ingest/tenant-d/nowhere/a.txt': 'a collection that does not exist',
      'ingest/tenant-d/drops/q+a.txt': 'Questions and answers: the canteen opens at eight.',
    });
    const worker = await createDeployedEmbeddingsWorker(env(), quietGatewayTelemetry(), handlerDir, {
      sqs: sqs.client,
      s3: s3.client,
    });
    try {
      const handle = proxyHandler(
        (request) => api.api.handle(request),
        (error) => {
          throw error;
        },
      );
      expect(
        (await handle(apiEvent('POST', '/collections', { name: 'drops', model: 'builtin-embedding' }), context))
          .statusCode,
      ).toBe(201);
      // S3's own notification records (a bucket wired to the queue directly)...
      sqs.send(
        s3Event([
          { key: 'tenant-d/drops/onboarding+notes.md', size: 60 },
          { key: 'tenant-d/drops/policy.json', size: 70 },
          { key: 'tenant-d/drops/slides.pptx', size: 6 },
          { key: 'tenant-d/nowhere/a.txt', size: 10 },
          { key: 'tenant-d/drops/huge.txt', size: 10_000_000 },
        ]),
      );
      // ...and EventBridge events, as the construct wires the bucket (keys as they are: '+' is '+').
      sqs.send(objectCreatedEvent('tenant-d/drops/q+a.txt', 50));
      sqs.send(objectCreatedEvent('tenant-d/drops/deleted-since.txt', 10));
      const outcomes: EmbeddingsWorkOutcome[] = [];
      await sqs.poll(batchHandler(worker.worker, outcomes));
      expect(sqs.depth).toBe(0); // done with, rejections included: nothing to retry
      expect(outcomes).toHaveLength(3);
      const objects = outcomes.flatMap((o) => (o as Extract<EmbeddingsWorkOutcome, { kind: 'objects' }>).objects);
      expect(objects.map((o) => [o.key, o.kind]).sort()).toEqual(
        [
          ['tenant-d/drops/onboarding notes.md', 'ingested'],
          ['tenant-d/drops/policy.json', 'ingested'],
          ['tenant-d/drops/q+a.txt', 'ingested'],
          ['tenant-d/drops/slides.pptx', 'rejected'],
          ['tenant-d/nowhere/a.txt', 'rejected'],
          ['tenant-d/drops/huge.txt', 'rejected'],
          ['tenant-d/drops/deleted-since.txt', 'rejected'],
        ].sort(),
      );
      expect(s3.reads).not.toContain('ingest/tenant-d/drops/huge.txt'); // too large: never read
      const found = JSON.parse(
        (await handle(apiEvent('POST', '/collections/drops/search', { query: 'trains or flights' }), context)).body,
      );
      expect(found.data[0]).toMatchObject({ document_id: 'travel' });
    } finally {
      await api.close();
      await worker.close();
    }
  });

  test('a poison message reaches the dead-letter queue after exactly maxReceiveCount receives', async () => {
    const sqs = new FakeSqsQueue({ visibilityTimeoutSeconds: 60, maxReceiveCount: 3 });
    const worker = await createDeployedEmbeddingsWorker(env(), quietGatewayTelemetry(), handlerDir, {
      sqs: sqs.client,
      s3: fakeS3({}).client,
    });
    try {
      const retried: unknown[] = [];
      const batch = sqsBatchHandler({
        worker: async () => worker.worker,
        process: (w, record) => w.process(record.body),
        onRetry: (error) => retried.push(error),
      });
      sqs.send('{"not":"ours"}');
      for (let round = 0; round < 5; round++) {
        await sqs.poll(batch);
        sqs.advance(61);
      }
      expect(sqs.deliveries.map((d) => d.receiveCount)).toEqual([1, 2, 3]);
      expect(sqs.deadLetters.map((m) => m.body)).toEqual(['{"not":"ours"}']);
      expect(retried).toHaveLength(3);
    } finally {
      await worker.close();
    }
  });

  test('a missing setting names the variable and the construct that sets it, before any connection', async () => {
    const sqs = new FakeSqsQueue({ visibilityTimeoutSeconds: 60, maxReceiveCount: 3 });
    await expect(
      createDeployedEmbeddingsApi(
        { ...env(), [EMBEDDINGS_ENV.queueUrl]: undefined },
        quietGatewayTelemetry(),
        handlerDir,
        {
          sqs: sqs.client,
        },
      ),
    ).rejects.toThrow(/EMBEDDINGS_QUEUE_URL; the EmbeddingService construct sets it/);
    await expect(
      createDeployedEmbeddingsWorker(
        { ...env(), [EMBEDDINGS_ENV.maxObjectBytes]: '0' },
        quietGatewayTelemetry(),
        handlerDir,
        {
          sqs: sqs.client,
          s3: fakeS3({}).client,
        },
      ),
    ).rejects.toThrow(/EMBEDDINGS_MAX_OBJECT_BYTES is "0"/);
  });
});

function batchHandler(
  worker: EmbeddingsWorker,
  outcomes: EmbeddingsWorkOutcome[],
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  return sqsBatchHandler({
    worker: async () => worker,
    process: (w, record) => w.process(record.body),
    onOutcome: (outcome) => outcomes.push(outcome),
    onRetry: (error) => {
      throw error;
    },
  });
}
