import { startPlatformDatabase, type PlatformDatabase } from '../support/platform-database';
import { PostgresJobStore } from '../../lambda/core/jobs/job-store';
import { idempotencyStore, oncePerJob } from '../../lambda/core/jobs/idempotency';
import { newJobId, type Job } from '../../lambda/core/jobs/job';
import { type JobEndpoint } from '../../lambda/contract/routes';
import { JobWorker, type JobWorkerOptions } from '../../lambda/core/jobs/worker';
import { jobsWorkerHandler } from '../../lambda/jobs-worker/batch';
import type Redis from 'ioredis';
import { FakeSqsQueue } from '../support/fake-aws/sqs';

/** The platform's database, with the schema of the jobs tests (3-dimensional vectors: none are used). */
export const startJobsDatabase = (): Promise<PlatformDatabase> => startPlatformDatabase(3);

export const TENANT_A = { tenant: 'tenant-a', user: 'alice' } as const;

export function submitDirect(
  store: PostgresJobStore,
  request: Record<string, unknown>,
  options: { endpoint?: JobEndpoint; webhookUrl?: string } = {},
): Promise<Job> {
  return store.create({
    id: newJobId(),
    owner: TENANT_A,
    endpoint: options.endpoint ?? '/v1/chat/completions',
    request,
    webhookUrl: options.webhookUrl,
    expiresAt: new Date(Date.now() + 3_600_000),
  });
}

/** The real worker and the real batch handler over a fake SQS queue. */
export function workerOn(
  redis: Redis,
  keyPrefix: string,
  options: Omit<JobWorkerOptions, 'once' | 'queue' | 'maxReceiveCount'>,
  queueSettings = { visibilityTimeoutSeconds: 60, maxReceiveCount: 3 },
) {
  const sqs = new FakeSqsQueue(queueSettings);
  const persistence = idempotencyStore(redis);
  const outcomes: unknown[] = [];
  const handler = jobsWorkerHandler({
    worker: async (remainingMs) =>
      new JobWorker({
        ...options,
        queue: sqs.jobQueue,
        maxReceiveCount: queueSettings.maxReceiveCount,
        once: (fn) => oncePerJob(fn, { persistence, keyPrefix, ttlSeconds: 600, remainingMs }),
        random: () => 0,
      }),
    onOutcome: (outcome) => outcomes.push(outcome),
  });
  return { sqs, handler, outcomes };
}
