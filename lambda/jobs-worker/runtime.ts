import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SECRET_MAX_AGE_SECONDS } from '../core/config/secrets-manager-credentials';
import { idempotencyStore, oncePerJob } from '../core/jobs/idempotency';
import { PostgresJobStore } from '../core/jobs/job-store';
import { SqsJobQueue } from '../core/jobs/sqs-job-queue';
import { WebhookDeliverer, WebhookSigner, publicWebhookUrls, type WebhookUrlCheck } from '../core/jobs/webhook';
import type { WebhookPost } from '../core/jobs/webhook-post';
import { JobWorker } from '../core/jobs/worker';
import { JOBS_ENV } from '../contract/environment';
import { positiveIntegerEnv, requiredEnv } from '../runtime/read-env';
import type { Env } from '../runtime/redis';
import type { GatewayTelemetry } from '../core/telemetry';
import { createDeployedGatewayWithStores } from '../runtime/deployed-gateway';

const CONSTRUCT = 'AsyncJobs';

/**
 * How long a finished job's idempotency record answers a duplicate delivery. Later duplicates (a
 * redrive from the dead-letter queue days after) meet the job store's conditional transitions.
 */
const IDEMPOTENCY_TTL_SECONDS = 3_600;

export interface DeployedJobsWorker {
  readonly worker: JobWorker;
  /** Closes its connections (Lambda never does: they live as long as the execution environment). */
  close(): Promise<void>;
}

export interface DeployedJobsWorkerClients {
  readonly sqs: Pick<SQSClient, 'send'>;
  readonly secrets?: SecretsProvider;
  /** @default public https hosts only */
  readonly checkWebhookUrl?: WebhookUrlCheck;
  /** How deliveries are sent. @default connections to public addresses only (`guardedWebhookPost`) */
  readonly webhookPost?: WebhookPost;
}

/**
 * The jobs worker as the `AsyncJobs` construct deploys it: the gateway in-process (the wiring
 * `LlmGateway.shareRuntimeWith` gave the function), one Redis connection for the gateway's state and
 * the idempotency records, one pool for the gateway's semantic cache and the job store, and webhooks
 * signed with the secret from Secrets Manager.
 */
export async function createDeployedJobsWorker(
  env: Env,
  telemetry: GatewayTelemetry,
  handlerDir: string,
  remainingMs: () => number,
  clients: DeployedJobsWorkerClients,
): Promise<DeployedJobsWorker> {
  // Settings first: a wiring mistake fails before any connection is opened.
  const queueUrl = requiredEnv(env, JOBS_ENV.queueUrl, CONSTRUCT);
  const maxReceiveCount = positiveIntegerEnv(env, JOBS_ENV.maxReceiveCount, CONSTRUCT);
  const signingSecretArn = requiredEnv(env, JOBS_ENV.webhookSecretArn, CONSTRUCT);
  const secrets = clients.secrets ?? new SecretsProvider();
  const { gateway, redis, db, close } = await createDeployedGatewayWithStores(env, telemetry, handlerDir, secrets);
  try {
    if (!redis) {
      throw new Error(
        "The jobs worker needs the gateway's Redis (REDIS_HOST) for its idempotency records; give the LlmGateway a `cache`.",
      );
    }
    const secret = await secrets.get(signingSecretArn, { maxAge: SECRET_MAX_AGE_SECONDS });
    if (typeof secret !== 'string') throw new Error('The webhook signing secret must be a string secret.');
    const persistence = idempotencyStore(redis);
    const keyPrefix = env.AWS_LAMBDA_FUNCTION_NAME ?? 'llm-jobs-worker';
    const worker = new JobWorker({
      store: new PostgresJobStore(db),
      queue: new SqsJobQueue(clients.sqs, queueUrl),
      gateway,
      maxReceiveCount,
      once: (fn) => oncePerJob(fn, { persistence, keyPrefix, ttlSeconds: IDEMPOTENCY_TTL_SECONDS, remainingMs }),
      webhooks: new WebhookDeliverer({
        signer: new WebhookSigner(secret),
        checkUrl: clients.checkWebhookUrl ?? publicWebhookUrls(),
        post: clients.webhookPost,
      }),
    });
    return { worker, close };
  } catch (error) {
    await close(); // a failed start is tried again on the next batch: leave no connection behind
    throw error;
  }
}
