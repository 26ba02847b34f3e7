import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as eventsources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { API_ROUTES, JOB_ENDPOINTS } from '../../lambda/contract/routes';
import { JOBS_ENV } from '../../lambda/contract/environment';
import type { GatewayApi } from '../gateway-api/gateway-api';
import type { LlmGateway } from '../llm-gateway/llm-gateway';
import { grantSecretRead } from '../shared/grant-secret-read';
import { logEncryptionKey } from '../shared/log-encryption';
import { acknowledgeQueueSender, acknowledgeRules, acknowledgeSqsWorker } from '../shared/nag-acknowledgments';
import { serviceFunction } from '../shared/service-function';
import { vectorStoreEnvironment } from '../shared/vector-store-environment';
import { workQueue } from '../shared/work-queue';
import { queueWorkerProblems } from '../shared/worker-checks';
import { APPLICATION_SUBNETS } from '../shared/props';
import type { QueueServiceProps } from '../shared/queue-service-props';
import { PropsCheck } from '../shared/validation';

/** The API route's integration is buffered: API Gateway waits this long at most. */
const API_TIMEOUT = Duration.seconds(29);

export interface AsyncJobsProps extends QueueServiceProps {
  /**
   * The gateway whose models run the jobs. The worker runs it in-process (`shareRuntimeWith`), so
   * a job meets the same token limits, budgets, caches, routing and failover as a synchronous call.
   * It must have a `cache` (the worker's idempotency records) and a `vectorStore` (the job store).
   */
  readonly gateway: LlmGateway;
  /**
   * How long the worker may take for one batch. Must exceed the longest
   * `deployments.*.timeouts.totalMs` of the gateway's config; the queue's visibility timeout is
   * six times this (a failed message is delivered again once it has passed).
   * @default - the gateway's timeout: a job may run as long as a synchronous call
   */
  readonly workerTimeout?: Duration;
  /**
   * Memory of the worker in MiB.
   * @default 1024
   */
  readonly workerMemorySize?: number;
  /**
   * Messages per worker invocation (1 to 10).
   * @default 5
   */
  readonly batchSize?: number;
  /**
   * Worker invocations at once (2 to 1000): the ceiling on the jobs' load on the providers. A
   * provider's 429 defers a job by its Retry-After rather than failing it.
   * @default 10
   */
  readonly maxConcurrency?: number;
  /**
   * How long a job, its result and its queue message are kept after submission.
   * @default Duration.days(4)
   */
  readonly retention?: Duration;
  /**
   * The secret whose value signs webhooks (at least 24 characters, or `whsec_<base64>`); share it
   * with the receivers.
   * @default - a new generated secret of 48 letters and digits
   */
  readonly webhookSecret?: secretsmanager.ISecret;
}

/**
 * Chat completions and embeddings that need no answer now, run from a queue: `POST /v1/jobs`
 * answers a job id at once (202), `GET /v1/jobs/{id}` shows its state and result, and a webhook
 * signed in the Standard Webhooks scheme (HMAC-SHA256, timestamped, with an id for replay
 * protection) is posted when it completes.
 *
 * - Queue and dead-letter queue encrypted with a customer-managed key, TLS only; a message moves
 *   to the dead-letter queue after `maxReceiveCount` receives; the visibility timeout is six times
 *   the worker's timeout. Redrive with `aws sqs start-message-move-task --source-arn <DLQ ARN>`.
 * - The worker's event source reports partial batch failures and has a maximum concurrency; it
 *   runs each job once (Powertools idempotency in the gateway's Redis, then the job store's
 *   conditional transitions), as the job's owner, through the gateway in-process.
 * - Jobs live in the platform's Postgres (`async_jobs`, migration 005), tenant-scoped.
 * - Both functions run in private subnets; the API function can reach only the database and AWS
 *   APIs and holds no provider secret.
 * - `api` gets `POST /v1/jobs` and `GET /v1/jobs/{id}`; `encryptionKey` encrypts the queues, the logs
 *   and the generated webhook secret; a job that keeps failing is marked failed on its last receive.
 */
export class AsyncJobs extends Construct {
  /** Where submitted jobs wait. */
  readonly queue: sqs.Queue;
  /** Messages that failed `maxReceiveCount` times. */
  readonly deadLetterQueue: sqs.Queue;
  /** Answers `POST /v1/jobs` and `GET /v1/jobs/{id}`. */
  readonly apiFunction: lambda.Function;
  /** Runs the jobs. */
  readonly workerFunction: lambda.Function;
  /** Signs the webhooks. */
  readonly webhookSecret: secretsmanager.ISecret;
  readonly maxReceiveCount: number;
  readonly workerTimeout: Duration;

  constructor(scope: Construct, id: string, props: AsyncJobsProps) {
    super(scope, id);
    this.workerTimeout = props.workerTimeout ?? props.gateway.timeout;
    this.maxReceiveCount = props.maxReceiveCount ?? 5;
    const batchSize = props.batchSize ?? 5;
    const maxConcurrency = props.maxConcurrency ?? 10;
    const retention = props.retention ?? Duration.days(4);
    const memorySize = props.workerMemorySize ?? 1024;
    checkProps(props, this.node.path, {
      batchSize,
      maxConcurrency,
      retention,
      memorySize,
      timeout: this.workerTimeout,
    });
    const { cache, vectorStore } = props.gateway;
    const check: PropsCheck = new PropsCheck('AsyncJobs', this.node.path);
    if (!cache || !vectorStore) {
      check.fail(
        `the gateway has no ${[!cache && '`cache`', !vectorStore && '`vectorStore`'].filter(Boolean).join(' and no ')}; ` +
          'the worker keeps its idempotency records in the cache and the jobs live in the vector store. Give the LlmGateway both.',
      );
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const key =
      props.encryptionKey ??
      logEncryptionKey(
        this,
        'Key',
        `Encrypts the job queues, logs and webhook secret of ${this.node.path}`,
        removalPolicy,
      );

    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = workQueue(this, {
      key,
      workerTimeout: this.workerTimeout,
      retention,
      maxReceiveCount: this.maxReceiveCount,
      removalPolicy,
    }));

    this.webhookSecret = props.webhookSecret ?? this.createWebhookSecret(key, removalPolicy);

    const subnets = props.vpcSubnets ?? APPLICATION_SUBNETS;
    const jobsEnvironment = {
      [JOBS_ENV.queueUrl]: this.queue.queueUrl,
      [JOBS_ENV.maxReceiveCount]: String(this.maxReceiveCount),
      [JOBS_ENV.retentionSeconds]: String(retention.toSeconds()),
      [JOBS_ENV.maxBodyBytes]: String(props.gateway.maxBodyBytes),
    };

    // The API: the database and AWS APIs only.
    const apiSecurityGroup = new ec2.SecurityGroup(this, 'ApiSecurityGroup', {
      vpc: props.vpc,
      description: 'Jobs API function: egress to AWS APIs (SQS) and the database only',
      allowAllOutbound: false,
    });
    apiSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs (SQS, Secrets Manager)');
    this.apiFunction = serviceFunction(this, 'Api', {
      handler: 'jobs-api',
      description: 'Async jobs API: POST /v1/jobs, GET /v1/jobs/{id}',
      serviceName: 'llm-jobs-api',
      memorySize: 512,
      timeout: API_TIMEOUT,
      reservedConcurrentExecutions: 20,
      securityGroups: [apiSecurityGroup],
      environment: { ...vectorStoreEnvironment(vectorStore), ...jobsEnvironment },
      vpc: props.vpc,
      vpcSubnets: subnets,
      key,
      logRetention: props.logRetention,
      removalPolicy,
    });
    vectorStore.grantConnect(this.apiFunction);
    this.queue.grantSendMessages(this.apiFunction);
    acknowledgeQueueSender(this.apiFunction.role!);
    props.gateway.shareCatalogWith(this.apiFunction); // model names are checked at submission

    // The worker: the gateway's reach (providers, cache, database), in the gateway's security groups.
    this.workerFunction = serviceFunction(this, 'Worker', {
      handler: 'jobs-worker',
      description: 'Async jobs worker: runs queued chat and embedding jobs through the gateway',
      serviceName: 'llm-jobs-worker',
      memorySize,
      timeout: this.workerTimeout,
      // The event source's maxConcurrency is the real ceiling; this keeps room for it and no more.
      reservedConcurrentExecutions: maxConcurrency,
      securityGroups: props.gateway.connections.securityGroups,
      environment: { ...jobsEnvironment, [JOBS_ENV.webhookSecretArn]: this.webhookSecret.secretArn },
      vpc: props.vpc,
      vpcSubnets: subnets,
      key,
      logRetention: props.logRetention,
      removalPolicy,
    });
    props.gateway.shareRuntimeWith(this.workerFunction);
    vectorStore.grantConnect(this.workerFunction);
    grantSecretRead(this.webhookSecret, this.workerFunction);
    this.queue.grantSendMessages(this.workerFunction); // throttled jobs go back with a delay
    acknowledgeQueueSender(this.workerFunction.role!);
    acknowledgeSqsWorker(this.workerFunction);
    this.workerFunction.addEventSource(
      new eventsources.SqsEventSource(this.queue, {
        batchSize,
        maxConcurrency,
        reportBatchItemFailures: true,
        // A batch's records run together; waiting to fill it would only add latency to each job.
        maxBatchingWindow: Duration.seconds(0),
      }),
    );

    if (props.api) this.addRoutes(props.api);
  }

  /** Adds `POST /v1/jobs` and `GET /v1/jobs/{id}` to `api`, with its authorizer, usage plans and firewall. */
  private createWebhookSecret(key: kms.IKey, removalPolicy: RemovalPolicy): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'WebhookSecret', {
      description: `Signs the job webhooks of ${this.node.path} (Standard Webhooks, HMAC-SHA256)`,
      encryptionKey: key,
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
      removalPolicy,
    });
    acknowledgeRules(
      secret,
      ['AwsSolutions-SMG4', 'NIST.800.53.R5-SecretsManagerRotationEnabled'],
      'The webhook signing secret is shared with every receiver, which verifies signatures with it; a hosted ' +
        'rotation would break them all at once. It is generated (48 characters), KMS-encrypted and readable ' +
        'only by the jobs worker; rotate it with the receivers (README, "Async jobs").',
    );
    return secret;
  }

  addRoutes(api: GatewayApi): void {
    const { submitJob, showJob } = API_ROUTES;
    api.addRoute(submitJob.path, submitJob.method, this.apiFunction, { requestSchema: JOB_SUBMISSION_SCHEMA });
    api.addRoute(showJob.path, showJob.method, this.apiFunction);
  }

  /** Lets `grantee` submit jobs straight to the queue (a message `{"jobId": ...}` of a stored job). */
  grantSubmit(grantee: iam.IGrantable): iam.Grant {
    return this.queue.grantSendMessages(grantee);
  }

  /** Messages waiting (visible), maximum: the backlog. */
  metricBacklog(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', ...props });
  }

  /** Age of the oldest waiting message, maximum: how far behind the workers are. */
  metricOldestJobAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', ...props });
  }

  /** Messages in the dead-letter queue, maximum: anything above zero needs a look (and a redrive). */
  metricDeadLetters(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', ...props });
  }
}

/** What API Gateway checks before the function runs; the function validates the inner request fully. */
const JOB_SUBMISSION_SCHEMA: apigateway.JsonSchema = {
  type: apigateway.JsonSchemaType.OBJECT,
  required: ['endpoint', 'body'],
  additionalProperties: false,
  properties: {
    endpoint: { type: apigateway.JsonSchemaType.STRING, enum: [...JOB_ENDPOINTS] },
    body: { type: apigateway.JsonSchemaType.OBJECT },
    webhook_url: { type: apigateway.JsonSchemaType.STRING, maxLength: 2048 },
  },
};

function checkProps(
  props: AsyncJobsProps,
  path: string,
  values: { batchSize: number; maxConcurrency: number; retention: Duration; memorySize: number; timeout: Duration },
): void {
  const problems = queueWorkerProblems(
    {
      gateway: props.gateway,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      workerTimeout: values.timeout,
      maxReceiveCount: props.maxReceiveCount ?? 5,
      maxConcurrency: values.maxConcurrency,
      memory: { prop: 'workerMemorySize', mib: values.memorySize },
    },
    'a slow answer is cut by Lambda and the job retried from the start',
  );
  const retained = values.retention.toSeconds();
  new PropsCheck('AsyncJobs', path)
    .add(...problems)
    .expect(
      Number.isInteger(values.batchSize) && values.batchSize >= 1 && values.batchSize <= 10,
      `batchSize is ${values.batchSize}; give 1 to 10`,
    )
    .expect(
      retained >= 3600 && retained <= 14 * 86400,
      `retention is ${retained} s; give 1 hour to 14 days (SQS keeps a message at most 14 days)`,
    )
    .throwIfAny();
}
