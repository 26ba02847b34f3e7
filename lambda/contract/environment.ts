/**
 * The names of the environment variables through which a deployed gateway function learns its
 * wiring. The `LlmGateway` construct sets them and the handlers read them: both import this file, so
 * a name cannot drift between the two. Secrets never travel here: only the ARNs of the Secrets
 * Manager secrets that hold them.
 */
export const GATEWAY_ENV = {
  /** Path (relative to the handler's directory) of the validated model and routing config JSON. */
  configFile: 'GATEWAY_CONFIG_FILE',
  /** Path (relative to the handler's directory) of the router's trained classifier JSON. */
  routerModelFile: 'ROUTER_MODEL_FILE',
  /** ElastiCache endpoint: host, port, TLS on/off and the RBAC user the function connects as. */
  redisHost: 'REDIS_HOST',
  redisPort: 'REDIS_PORT',
  redisTls: 'REDIS_TLS',
  redisUsername: 'REDIS_USERNAME',
  /** ARN of the secret holding the RBAC user's password (JSON `{ "password": ... }`). */
  redisPasswordSecretArn: 'REDIS_PASSWORD_SECRET_ARN',
  /** Local runs only: a `redis://` URL used instead of the fields above. */
  redisUrl: 'REDIS_URL',
  /** Aurora PostgreSQL (pgvector): host, port, database, and the secret with user and password. */
  vectorDbHost: 'VECTOR_DB_HOST',
  vectorDbPort: 'VECTOR_DB_PORT',
  vectorDbName: 'VECTOR_DB_NAME',
  vectorDbSecretArn: 'VECTOR_DB_SECRET_ARN',
  /** Local runs only: a `postgres://` URL used instead of the fields above. */
  vectorDbUrl: 'DATABASE_URL',
  /**
   * JSON object from credential name (as the model config names it, e.g. `openai`) to the ARN of
   * the Secrets Manager secret holding that credential.
   */
  providerSecretArns: 'PROVIDER_SECRET_ARNS',
} as const;

export type GatewayEnvName = (typeof GATEWAY_ENV)[keyof typeof GATEWAY_ENV];

/**
 * The wiring of the API's Lambda authorizer, set by the `GatewayApi` construct. No secret travels
 * here either: the key table holds only SHA-256 hashes of the keys.
 */
export const AUTHORIZER_ENV = {
  /** DynamoDB table of API key hashes -> tenant, tier, models, status, expiry. */
  keyTable: 'API_KEY_TABLE',
  /** Comma list of the tiers that have a usage plan; a key of another tier is refused. */
  tiers: 'USAGE_TIERS',
} as const;

/**
 * The wiring of the async jobs' API and worker functions, set by the `AsyncJobs` construct (beside
 * the gateway's, which the worker also reads to run the gateway in-process).
 */
export const JOBS_ENV = {
  /** URL of the SQS queue jobs wait on (and throttled jobs go back to). */
  queueUrl: 'JOBS_QUEUE_URL',
  /** The queue's maxReceiveCount: on that receive a transient failure fails the job. */
  maxReceiveCount: 'JOBS_MAX_RECEIVE_COUNT',
  /** How long a job is run and shown after its submission, in seconds. */
  retentionSeconds: 'JOBS_RETENTION_SECONDS',
  /** The largest job body, in bytes: the gateway's `limits.maxBodyBytes`. */
  maxBodyBytes: 'JOBS_MAX_BODY_BYTES',
  /** ARN of the secret whose value signs the webhooks (Standard Webhooks, HMAC-SHA256). */
  webhookSecretArn: 'JOBS_WEBHOOK_SECRET_ARN',
} as const;

/** The wiring of the embedding service's functions, set by the `EmbeddingService` construct. */
export const EMBEDDINGS_ENV = {
  /** URL of the SQS queue of re-index work and of the ingestion bucket's object notifications. */
  queueUrl: 'EMBEDDINGS_QUEUE_URL',
  /** The largest request body, in bytes: the gateway's `limits.maxBodyBytes`. */
  maxBodyBytes: 'EMBEDDINGS_MAX_BODY_BYTES',
  /** The largest object the ingestion bucket's drop reads, in bytes. */
  maxObjectBytes: 'EMBEDDINGS_MAX_OBJECT_BYTES',
} as const;

/** The kill-switch function's own environment variables (the CostGuardrails construct sets them). */
export const KILL_SWITCH_ENV = {
  /** Key prefix of the gateway's Redis keys. @default `llmgw:` */
  keyPrefix: 'KILL_SWITCH_KEY_PREFIX',
  /** JSON from alarm name to scope (`global`, `tenant:<id>`, `feature:<name>`). */
  alarmScopes: 'KILL_SWITCH_ALARM_SCOPES',
} as const;

/**
 * Which tenants and features a deployed function writes as metric dimensions (the construct that
 * deploys it sets them from its props; `DimensionPolicy` reads them).
 */
export const METRICS_DIMENSION_ENV = {
  tenants: 'LLM_METRICS_TENANTS',
  features: 'LLM_METRICS_FEATURES',
  maxFeatures: 'LLM_METRICS_MAX_FEATURES',
} as const;
