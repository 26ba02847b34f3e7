import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as eventsources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EMBEDDINGS_ENV } from '../../lambda/contract/environment';
import type { GatewayApi } from '../gateway-api/gateway-api';
import type { LlmGateway } from '../llm-gateway/llm-gateway';
import { customerManagedKey } from '../shared/customer-managed-key';
import { logEncryptionKey } from '../shared/log-encryption';
import {
  acknowledgeQueueSender,
  acknowledgeRules,
  acknowledgeSqsWorker,
  objectsFinding,
} from '../shared/nag-acknowledgments';
import { privateBucket } from '../shared/private-bucket';
import { serviceFunction } from '../shared/service-function';
import { workQueue } from '../shared/work-queue';
import { MAX_FUNCTION_TIMEOUT, queueWorkerProblems } from '../shared/worker-checks';
import { APPLICATION_SUBNETS } from '../shared/props';
import type { QueueServiceProps } from '../shared/queue-service-props';
import { PropsCheck } from '../shared/validation';
import { API_ROUTES, type ApiRouteName } from '../../lambda/contract/routes';

/** The API's routes are buffered: API Gateway waits this long at most. */
const API_TIMEOUT = Duration.seconds(29);

export interface EmbeddingServiceProps extends QueueServiceProps {
  /**
   * The gateway whose embedding models embed the chunks: both functions run it in-process
   * (`shareRuntimeWith`), so ingestion meets the tenant's token limits, budgets and failover and is
   * counted in its spend. It must have a `vectorStore`: the chunks live there.
   */
  readonly gateway: LlmGateway;
  /**
   * The bucket whose new objects (`<tenant>/<collection>/<name>.json|.txt|.md`) are ingested. Its
   * "Object Created" events reach the service through Amazon EventBridge: a bucket of your own must
   * have EventBridge notifications turned on (`eventBridgeEnabled: true`).
   * @default - a new private bucket: KMS, versioned, TLS only, access logs, EventBridge notifications
   */
  readonly ingestionBucket?: s3.IBucket;
  /**
   * Objects larger than this are rejected unread.
   * @default 4 MiB
   */
  readonly maxObjectBytes?: number;
  /**
   * How long the worker may take for one message (a re-index builds a whole version). Must exceed
   * the longest `deployments.*.timeouts.totalMs` of the gateway's config.
   * @default Duration.minutes(15)
   */
  readonly workerTimeout?: Duration;
  /**
   * Worker invocations at once (2 to 1000): the ceiling on ingestion's load on the embedding
   * providers and the database.
   * @default 5
   */
  readonly maxConcurrency?: number;
  /** Memory of both functions in MiB. @default 1024 */
  readonly memorySize?: number;
}

/**
 * Collections of chunked, embedded documents per tenant in the platform's pgvector store, searchable
 * by meaning with metadata filters, re-indexable without downtime:
 *
 * - `POST /v1/collections`, `GET /v1/collections/{name}`, `POST .../{name}/documents` (idempotent
 *   ingest), `.../search`, `.../reindex` (202; built in the background, switched atomically when
 *   complete), `DELETE .../{name}/versions/{version}`;
 * - objects dropped in the ingestion bucket as `<tenant>/<collection>/<name>` are ingested as that
 *   tenant (S3 notifies the work queue, which also carries the re-index work);
 * - one queue, KMS-encrypted with a dead-letter queue after `maxReceiveCount` receives; the worker's
 *   event source reports partial batch failures and has a maximum concurrency;
 * - `api` gets the `/v1/collections` routes; `encryptionKey` encrypts the queues and the logs (a new
 *   ingestion bucket gets a key of its own).
 */
export class EmbeddingService extends Construct {
  /** Re-index work and the ingestion bucket's notifications. */
  readonly queue: sqs.Queue;
  /** Messages that failed `maxReceiveCount` times. */
  readonly deadLetterQueue: sqs.Queue;
  /** Where documents are dropped for ingestion. */
  readonly ingestionBucket: s3.IBucket;
  /** Answers the `/v1/collections` routes. */
  readonly apiFunction: lambda.Function;
  /** Builds re-index versions and ingests dropped objects. */
  readonly workerFunction: lambda.Function;

  constructor(scope: Construct, id: string, props: EmbeddingServiceProps) {
    super(scope, id);
    const workerTimeout = props.workerTimeout ?? MAX_FUNCTION_TIMEOUT;
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    const maxConcurrency = props.maxConcurrency ?? 5;
    const memorySize = props.memorySize ?? 1024;
    const maxObjectBytes = props.maxObjectBytes ?? 4 * 1024 * 1024;
    checkProps(props, this.node.path, { workerTimeout, maxReceiveCount, maxConcurrency, memorySize, maxObjectBytes });
    if (!props.gateway.vectorStore) {
      new PropsCheck('EmbeddingService', this.node.path).fail(
        'the gateway has no `vectorStore`; the chunks and their vectors live there. Give the LlmGateway one.',
      );
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const key =
      props.encryptionKey ??
      logEncryptionKey(
        this,
        'Key',
        `Encrypts the embedding service's queues, logs and bucket (${this.node.path})`,
        removalPolicy,
      );
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = workQueue(this, {
      key,
      workerTimeout,
      retention: Duration.days(4),
      maxReceiveCount,
      removalPolicy,
    }));
    this.ingestionBucket = props.ingestionBucket ?? this.createIngestionBucket(removalPolicy);
    // New objects reach the queue through EventBridge, declared in the bucket's own properties: no
    // notification custom resource (and its helper function outside the VPC), and the bucket's
    // notifications are where Control Tower's CT.S3.PR.4 reads them. An event EventBridge cannot
    // deliver goes to the dead-letter queue, with the worker's poison messages, to be redriven.
    new events.Rule(this, 'ObjectCreated', {
      description: `New objects in the ingestion bucket of ${this.node.path}, for its worker`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [this.ingestionBucket.bucketName] } },
      },
      targets: [new targets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue })],
    });

    const subnets = props.vpcSubnets ?? APPLICATION_SUBNETS;
    const common = {
      vpc: props.vpc,
      vpcSubnets: subnets,
      // The gateway's reach: its providers, its cache, the database.
      securityGroups: props.gateway.connections.securityGroups,
      memorySize,
      key,
      logRetention: props.logRetention,
      removalPolicy,
    };
    this.apiFunction = serviceFunction(this, 'Api', {
      ...common,
      handler: 'embeddings-api',
      description: 'Embedding service API: /v1/collections (ingest, search, re-index)',
      serviceName: 'llm-embeddings-api',
      timeout: API_TIMEOUT,
      reservedConcurrentExecutions: 20,
      environment: {
        [EMBEDDINGS_ENV.queueUrl]: this.queue.queueUrl,
        [EMBEDDINGS_ENV.maxBodyBytes]: String(props.gateway.maxBodyBytes),
      },
    });
    this.workerFunction = serviceFunction(this, 'Worker', {
      ...common,
      handler: 'embeddings-worker',
      description: 'Embedding service worker: builds re-index versions and ingests dropped objects',
      serviceName: 'llm-embeddings-worker',
      timeout: workerTimeout,
      reservedConcurrentExecutions: maxConcurrency,
      environment: {
        [EMBEDDINGS_ENV.queueUrl]: this.queue.queueUrl,
        [EMBEDDINGS_ENV.maxObjectBytes]: String(maxObjectBytes),
      },
    });
    for (const fn of [this.apiFunction, this.workerFunction]) props.gateway.shareRuntimeWith(fn);
    this.queue.grantSendMessages(this.apiFunction); // re-index work
    acknowledgeQueueSender(this.apiFunction.role!);
    acknowledgeSqsWorker(this.workerFunction);
    // GetObject on the bucket's objects and Decrypt with its key: exactly what reading a drop takes.
    this.workerFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.ingestionBucket.arnForObjects('*')] }),
    );
    this.ingestionBucket.encryptionKey?.grantDecrypt(this.workerFunction);
    acknowledgeRules(
      this.workerFunction.role!,
      [objectsFinding(this.ingestionBucket)],
      'The worker ingests whatever object is dropped in the ingestion bucket (s3:GetObject only, no list, ' +
        'write or delete): the bucket holds nothing but documents waiting to be ingested, and which tenant ' +
        'an object belongs to is the first segment of its key, checked by the worker.',
    );
    this.workerFunction.addEventSource(
      new eventsources.SqsEventSource(this.queue, {
        // One message at a time: a re-index is long, and one batch must not wait on another's.
        batchSize: 1,
        maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );

    if (props.api) this.addRoutes(props.api);
  }

  private createIngestionBucket(removalPolicy: RemovalPolicy): s3.Bucket {
    const bucket = privateBucket(this, 'IngestionBucket', {
      key: customerManagedKey(this, 'BucketKey', {
        description: `Encrypts the documents dropped for ingestion into ${this.node.path}`,
        removalPolicy,
      }),
      logPrefix: 'ingestion/',
      removalPolicy,
      whyNoReplication:
        'Dropped documents are a transit copy of what the tenant sent: once ingested, the text is kept in the ' +
        'vector store, and a lost drop is sent again.',
    });
    return bucket;
  }

  /** Adds the `/v1/collections` routes to `api`, with its authorizer, usage plans and firewall. */
  addRoutes(api: GatewayApi): void {
    const fn = this.apiFunction;
    const route = (name: ApiRouteName, requestSchema?: apigateway.JsonSchema) =>
      api.addRoute(API_ROUTES[name].path, API_ROUTES[name].method, fn, { requestSchema });
    route('createCollection', objectWith('name', 'model'));
    route('showCollection');
    route('ingestDocuments', objectWith('documents'));
    route('searchCollection', objectWith('query'));
    route('reindexCollection', objectWith());
    route('dropCollectionVersion');
  }

  /** Lets `grantee` drop documents into the ingestion bucket. */
  grantIngest(grantee: iam.IGrantable): iam.Grant {
    return this.ingestionBucket.grantPut(grantee);
  }

  /** Messages waiting (visible), maximum: ingestion and re-index backlog. */
  metricBacklog(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', ...props });
  }

  /** Messages in the dead-letter queue, maximum: anything above zero needs a look (and a redrive). */
  metricDeadLetters(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', ...props });
  }
}

/** What API Gateway checks before the function runs; the function validates the body fully. */
function objectWith(...required: string[]): apigateway.JsonSchema {
  return { type: apigateway.JsonSchemaType.OBJECT, required: required.length > 0 ? required : undefined };
}

function checkProps(
  props: EmbeddingServiceProps,
  path: string,
  values: {
    workerTimeout: Duration;
    maxReceiveCount: number;
    maxConcurrency: number;
    memorySize: number;
    maxObjectBytes: number;
  },
): void {
  const problems = queueWorkerProblems(
    {
      gateway: props.gateway,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      workerTimeout: values.workerTimeout,
      maxReceiveCount: values.maxReceiveCount,
      maxConcurrency: values.maxConcurrency,
      memory: { prop: 'memorySize', mib: values.memorySize },
    },
    'a slow embedding call is cut by Lambda and the message retried',
  );
  const { maxObjectBytes } = values;
  new PropsCheck('EmbeddingService', path)
    .add(...problems)
    .expect(
      Number.isInteger(maxObjectBytes) && maxObjectBytes >= 1 && maxObjectBytes <= 64 * 1024 * 1024,
      `maxObjectBytes is ${maxObjectBytes}; give 1 byte to 64 MiB`,
    )
    .throwIfAny();
}
