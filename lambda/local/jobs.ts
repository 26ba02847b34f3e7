import type Redis from 'ioredis';
import type { Pool } from 'pg';
import { idempotencyStore, oncePerJob } from '../core/jobs/idempotency';
import { InProcessJobQueue } from '../core/jobs/in-process-queue';
import { JobsApi } from '../core/jobs/jobs-api';
import { PostgresJobStore } from '../core/jobs/job-store';
import { WebhookDeliverer, WebhookSigner, localWebhookUrls } from '../core/jobs/webhook';
import { localWebhookPost } from '../core/jobs/webhook-post';
import { JobWorker } from '../core/jobs/worker';
import type { Gateway } from '../core/pipeline/gateway';
import type { LocalRoute } from './http-adapter';

export interface JobsRouteOptions {
  /** Postgres with the platform's schema applied (`migrateVectorSchema`). */
  readonly pool: Pool;
  /** Signs the webhooks (at least 24 characters). */
  readonly webhookSecret: string;
  /** With Redis, duplicate deliveries are stopped by Powertools idempotency as deployed. @default none */
  readonly redis?: Redis;
  /** The gateway's request size limit (`limits.maxBodyBytes`). @default 4 MiB */
  readonly maxBodyBytes?: number;
  /** @default 86,400 (a day) */
  readonly retentionSeconds?: number;
}

/**
 * The jobs API beside the local gateway, with its worker in this process: a job runs through that
 * gateway as its owner, from an in-process queue with SQS's retries in small, and webhooks may go
 * to loopback addresses (a receiver on the developer's machine) as well as public https hosts.
 */
export function jobsRoute(options: JobsRouteOptions): { route: (gateway: Gateway) => LocalRoute; close(): void } {
  const queue = new InProcessJobQueue({ maxReceiveCount: 3, retryDelayMs: 1_000 });
  const store = new PostgresJobStore(options.pool);
  const checkWebhookUrl = localWebhookUrls();
  const persistence = options.redis ? idempotencyStore(options.redis) : undefined;
  return {
    route: (gateway) => {
      queue.attach(
        new JobWorker({
          store,
          queue,
          gateway,
          maxReceiveCount: 3,
          once: (fn) =>
            persistence
              ? oncePerJob(fn, { persistence, keyPrefix: 'local-jobs', ttlSeconds: 3_600, remainingMs: () => 60_000 })
              : fn,
          webhooks: new WebhookDeliverer({
            signer: new WebhookSigner(options.webhookSecret),
            checkUrl: checkWebhookUrl,
            post: localWebhookPost(),
          }),
        }),
      );
      const api = new JobsApi({
        store,
        queue,
        identify: (request) => gateway.identify(request),
        authorizeModel: (identity, model, kind) => gateway.authorizeModel(identity, model, kind),
        checkWebhookUrl,
        retentionSeconds: options.retentionSeconds ?? 86_400,
        maxBodyBytes: options.maxBodyBytes ?? 4 * 1024 * 1024,
      });
      return (request) => api.handle(request);
    },
    close: () => queue.close(),
  };
}
