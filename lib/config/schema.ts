import { z } from 'zod';
import { cacheConfigSchema, providerSecretsConfigSchema, vectorStoreConfigSchema } from './data-stores-schema';
import { apiConfigSchema, gatewayConfigSchema } from './gateway-schema';
import { embeddingsConfigSchema, jobsConfigSchema } from './services-schema';
import { TRITON_FRONTENDS, VLLM_DTYPES, VLLM_QUANTIZATIONS } from '../../constructs/model-serving/charts';

/**
 * The schema every environment entry must satisfy before the app builds a single construct.
 *
 * It is strict: an unknown key is an error, so a typo such as `natGateway` fails loudly instead of
 * silently falling back to a default. Later parts of the platform add their own sections here.
 */

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

const logRetentionDays = z.number().refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
  message: `must be one of the retention periods CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(', ')}`,
});

const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2[0-4])$/, {
  message: 'must be an IPv4 CIDR block from /16 to /24, for example "10.0.0.0/16"',
});

export const networkConfigSchema = z.strictObject({
  /** The VPC's IPv4 range. */
  cidr,
  /**
   * NAT gateways: 1 is cheap (one AZ's egress depends on one gateway), one per AZ is highly available.
   */
  natGateways: z.int().min(1).max(6),
  /** How long VPC flow logs are kept. */
  flowLogRetentionDays: logRetentionDays,
});

const spendThresholds = z
  .strictObject({
    /** Notify at this spend per day, in dollars. */
    softUsd: z.number().positive(),
    /** Notify and switch the scope's calls off at this spend per day, in dollars. */
    hardUsd: z.number().positive(),
  })
  .refine((t) => t.hardUsd > t.softUsd, { message: 'hardUsd must be above softUsd' });

/** Dashboards, alarms and cost guardrails (PlatformObservability and CostGuardrails). */
export const observabilityConfigSchema = z.strictObject({
  /**
   * Who gets alarms and budget alerts by e-mail (each address confirms once). With no subscriber
   * at all (e-mail, HTTPS or Slack), the stage's template asks for an address at deploy
   * (`AlarmSubscriberEmail`) and refuses to deploy without one.
   */
  notifyEmails: z.array(z.email({ message: 'must be an e-mail address' })).default([]),
  /** HTTPS endpoints (an incident tool's webhook) that get every alarm. */
  notifyHttpsUrls: z.array(z.url({ protocol: /^https$/, message: 'must be an https:// URL' })).default([]),
  /** Slack channels that get every alarm through AWS Chatbot (the workspace authorized once in its console). */
  notifySlackChannels: z
    .array(
      z.strictObject({
        workspaceId: z
          .string()
          .regex(/^[A-Z0-9]{1,255}$/, { message: 'must be a Slack workspace id such as T0123ABCD' }),
        channelId: z.string().regex(/^[A-Z0-9]{1,255}$/, { message: 'must be a Slack channel id such as C0123ABCD' }),
      }),
    )
    .default([]),
  alarms: z.strictObject({
    /** Faults as a share of calls, in percent, that is a spike. */
    errorRatePercent: z.number().gt(0).max(100),
    /** p95 latency budget per route, in milliseconds. */
    latencyP95Ms: z.strictObject({ chatCompletions: z.int().positive(), embeddings: z.int().positive() }),
    /** p95 time to first token of streams, in milliseconds. */
    timeToFirstTokenP95Ms: z.int().positive(),
    /** Failovers in five minutes that make a storm. */
    failoversPerFiveMinutes: z.int().positive(),
    /** Cache hit rate, in percent, below which the caches have collapsed (0: no alarm). */
    cacheHitRateMinPercent: z.number().min(0).max(100),
    /** Width of the anomaly band on hourly spend, in standard deviations. */
    spendAnomalyStdDevs: z.number().gt(0).max(10),
    /** A fixed ceiling on LLM spend per hour, in dollars. */
    spendPerHourUsd: z.number().positive().optional(),
  }),
  costGuardrails: z.strictObject({
    /** AWS budget of the environment's own resources (by its tags), in dollars a month. */
    awsMonthlyBudgetUsd: z.number().positive(),
    /** Percentages of the AWS budget at which actual spend alerts. */
    awsBudgetAlertPercents: z.array(z.number().positive()).min(1).default([70, 100]),
    /** The gateway's whole LLM spend per day. */
    llmDailySpend: spendThresholds,
    /** LLM spend per day of named tenants. */
    tenants: z.record(z.string().regex(/^[A-Za-z0-9._:@-]{1,128}$/), spendThresholds).default({}),
    /** LLM spend per day of named features (as x-llm-feature names them). */
    features: z.record(z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/), spendThresholds).default({}),
  }),
});
const workloadName = z.string().regex(/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/, {
  message: 'must be 1-40 lower-case letters, digits or hyphens, starting with a letter',
});
const replicas = {
  /** Replicas kept however idle (at least 1: the autoscaler reads the servers' own metrics). */
  minReplicas: z.int().min(1).default(1),
  maxReplicas: z.int().min(1).default(2),
};

/** Self-hosted model serving on EKS GPU nodes (constructs/model-serving). */
export const servingConfigSchema = z
  .strictObject({
    /** Off: no cluster at all (and no cost). Development environments may leave GPU serving off. */
    enabled: z.boolean(),
    /** Nodes for controllers, Prometheus and CoreDNS. */
    systemNodes: z
      .strictObject({
        instanceType: z.string().default('m7i.large'),
        minSize: z.int().min(1).default(2),
        maxSize: z.int().min(1).default(4),
      })
      .prefault({}),
    gpuNodeGroups: z
      .array(
        z.strictObject({
          name: z
            .string()
            .regex(/^[a-z][a-z0-9-]{0,30}$/, { message: 'must be 1-31 lower-case letters, digits or hyphens' }),
          instanceTypes: z.array(z.string()).min(1),
          capacityType: z.enum(['ON_DEMAND', 'SPOT']).default('ON_DEMAND'),
          /** 0 lets the environment cost nothing at rest. */
          minSize: z.int().min(0).default(0),
          maxSize: z.int().min(1),
        }),
      )
      .default([]),
    vllm: z
      .array(
        z.strictObject({
          name: workloadName,
          /** The model id clients send (and the Hub id when there is no modelPrefix). */
          model: z.string().min(1),
          nodeGroup: z.string(),
          /** Key prefix of the weights in the model bucket. */
          modelPrefix: z.string().optional(),
          quantization: z.enum(VLLM_QUANTIZATIONS).optional(),
          dtype: z.enum(VLLM_DTYPES).optional(),
          tensorParallelSize: z.int().min(1).optional(),
          maxModelLen: z.int().min(256).optional(),
          gpuMemoryUtilization: z.number().gt(0).max(1).optional(),
          ...replicas,
        }),
      )
      .default([]),
    triton: z
      .array(
        z.strictObject({
          name: workloadName,
          model: z.string().min(1),
          tokenizer: z.string().optional(),
          frontend: z.enum(TRITON_FRONTENDS).optional(),
          nodeGroup: z.string(),
          modelRepositoryPrefix: z.string(),
          gpusPerReplica: z.int().min(1).optional(),
          ...replicas,
        }),
      )
      .default([]),
    /** IAM role ARNs given cluster-admin access through access entries. */
    adminRoleArns: z
      .array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, { message: 'must be an IAM role ARN' }))
      .default([]),
  })
  .superRefine((serving, ctx) => {
    const groups = new Set(serving.gpuNodeGroups.map((g) => g.name));
    for (const kind of ['vllm', 'triton'] as const) {
      serving[kind].forEach((workload, i) => {
        if (!groups.has(workload.nodeGroup)) {
          ctx.addIssue({
            code: 'custom',
            path: [kind, i, 'nodeGroup'],
            message: `is "${workload.nodeGroup}", which is not one of gpuNodeGroups (${[...groups].join(', ') || 'none'})`,
          });
        }
        if (workload.minReplicas > workload.maxReplicas) {
          ctx.addIssue({
            code: 'custom',
            path: [kind, i, 'minReplicas'],
            message: `is ${workload.minReplicas}, above maxReplicas (${workload.maxReplicas})`,
          });
        }
      });
    }
  });

export const environmentConfigSchema = z
  .strictObject({
    /**
     * The environment's name: lower-case, used for resource names and tags. The CDK Stage id is its
     * PascalCase form (`prod` -> `Prod`), so users deploy with `npx cdk deploy 'Prod/*'`.
     */
    name: z.string().regex(/^[a-z][a-z0-9-]{1,19}$/, {
      message: 'must be 2-20 characters: lower-case letters, digits and hyphens, starting with a letter',
    }),
    /** 12-digit AWS account id. Omit it to take CDK_DEFAULT_ACCOUNT, or to synthesize account-agnostic. */
    account: z
      .string()
      .regex(/^\d{12}$/, { message: 'must be a 12-digit AWS account id' })
      .optional(),
    /** AWS region, for example `us-east-1`. */
    region: z.string().regex(REGION, { message: 'must be an AWS region such as "us-east-1"' }),
    /**
     * Availability zones to spread across. Named explicitly so that synthesis needs no context
     * lookup (and so no credentials or network).
     */
    availabilityZones: z.array(z.string()).min(2).max(6),
    /**
     * Highly available: Multi-AZ data stores, one NAT gateway per AZ, deletion protection and
     * retained data. Production environments set it; development environments save money without it.
     */
    highAvailability: z.boolean(),
    network: networkConfigSchema,
    observability: observabilityConfigSchema,
    /** The gateway's response cache (ElastiCache for Valkey), or an existing one. */
    cache: cacheConfigSchema.prefault({}),
    /** The pgvector store (Aurora PostgreSQL Serverless v2), or an existing database. */
    vectorStore: vectorStoreConfigSchema.prefault({}),
    /** The model providers' API keys in Secrets Manager, created or existing. */
    providerSecrets: providerSecretsConfigSchema.prefault({}),
    /** The gateway function: memory, reserved concurrency, timeout. */
    gateway: gatewayConfigSchema.prefault({}),
    /** The API edge: throttles, usage tiers, firewall rate, authorizer cache. */
    api: apiConfigSchema.prefault({}),
    /** Async jobs: queue receives, worker concurrency, retention. */
    jobs: jobsConfigSchema.prefault({}),
    /** The embedding service: queue receives, worker concurrency, largest dropped object. */
    embeddings: embeddingsConfigSchema.prefault({}),
    /** Self-hosted model serving; off unless given. */
    serving: servingConfigSchema.prefault({ enabled: false }),
    /** Extra tags put on every resource of the environment. */
    tags: z.record(z.string(), z.string()).default({}),
  })
  .superRefine((env, ctx) => {
    env.availabilityZones.forEach((az, i) => {
      if (!new RegExp(`^${env.region}[a-z]$`).test(az)) {
        ctx.addIssue({
          code: 'custom',
          path: ['availabilityZones', i],
          message: `"${az}" is not an availability zone of region ${env.region} (expected ${env.region}a, ${env.region}b, ...)`,
        });
      }
    });
    if (new Set(env.availabilityZones).size !== env.availabilityZones.length) {
      ctx.addIssue({ code: 'custom', path: ['availabilityZones'], message: 'must not repeat a zone' });
    }
    if (env.network.natGateways > env.availabilityZones.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'natGateways'],
        message: `is ${env.network.natGateways} but there are only ${env.availabilityZones.length} availability zones; use at most one per zone`,
      });
    }
    if (env.highAvailability && env.network.natGateways !== env.availabilityZones.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'natGateways'],
        message: `must equal the number of availability zones (${env.availabilityZones.length}) when highAvailability is true, so that losing one zone does not cut the others' egress`,
      });
    }
    if (env.highAvailability && env.cache.replicas === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['cache', 'replicas'],
        message: 'must be at least 1 when highAvailability is true, so that the cache fails over to another zone',
      });
    }
    if (env.highAvailability && env.vectorStore.minCapacity === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['vectorStore', 'minCapacity'],
        message: 'must be at least 0.5 when highAvailability is true: a paused database takes seconds to answer',
      });
    }
  });

/** What a config file holds for one environment (defaults not yet applied). */
export type EnvironmentConfigInput = z.input<typeof environmentConfigSchema>;
/** A validated environment, with defaults applied. */
export type EnvironmentConfig = z.output<typeof environmentConfigSchema>;
