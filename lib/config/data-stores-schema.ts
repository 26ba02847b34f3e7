import { z } from 'zod';

/**
 * The config sections of the gateway's data stores: the response cache (ElastiCache), the vector
 * store (Aurora PostgreSQL + pgvector) and the provider secrets. Each either shapes a new resource
 * or names an existing one to use as it is (`existing`), never both.
 */

const secretArn = z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/, {
  message:
    'must be a complete Secrets Manager secret ARN, ending in the 6-character suffix ' +
    '(aws secretsmanager describe-secret --secret-id NAME --query ARN)',
});
const keyArn = z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/, {
  message: 'must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID)',
});
const securityGroupId = z.string().regex(/^sg-[0-9a-f]{8,17}$/, { message: 'must be a security group id (sg-...)' });
const hostName = z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, { message: 'must be a host name' });
const port = z.int().min(1).max(65535);
/** The names the gateway's model config gives credentials (`deployments.*.credential`). */
const credentialName = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, {
  message: 'must be a credential name: lower-case letters, digits and hyphens, starting with a letter',
});

/** Refuses `existing` together with fields that shape a new resource. */
function existingAlone<T extends { existing?: unknown }>(what: string) {
  return (section: T, ctx: z.RefinementCtx) => {
    if (section.existing === undefined) return;
    const shaping = Object.keys(section).filter((key) => key !== 'existing');
    if (shaping.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: [shaping[0]],
        message: `an existing ${what} is used as it is: remove ${shaping.join(', ')}, or remove "existing" to create one`,
      });
    }
  };
}

export const cacheConfigSchema = z
  .strictObject({
    /** ElastiCache node type, e.g. `cache.t4g.micro` (dev) or `cache.r7g.large` (prod). */
    nodeType: z
      .string()
      .regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, { message: 'must be an ElastiCache node type such as "cache.t4g.small"' })
      .optional(),
    /** Read replicas besides the primary: at least one when the environment is highly available. */
    replicas: z.int().min(0).max(5).optional(),
    /** Valkey engine version (major.minor). */
    engineVersion: z
      .string()
      .regex(/^\d+\.\d+$/, { message: 'must be a major.minor version such as "8.2"' })
      .optional(),
    /** Days of daily snapshots kept. */
    snapshotRetentionDays: z.int().min(1).max(35).optional(),
    /** An existing cache (TLS, RBAC) to use instead of creating one. */
    existing: z
      .strictObject({
        endpointAddress: hostName,
        port,
        securityGroupId,
        gatewayUsername: z.string().min(1),
        /** Secret with the gateway user's password, JSON `{ "username", "password" }`. */
        passwordSecretArn: secretArn,
        /** The customer-managed key of that secret, if it has one. */
        passwordSecretKeyArn: keyArn.optional(),
      })
      .optional(),
  })
  .superRefine(existingAlone('cache'));

export const vectorStoreConfigSchema = z
  .strictObject({
    /** Fewest Aurora capacity units: 0 lets a quiet cluster pause (not with highAvailability). */
    minCapacity: z.number().min(0).max(256).multipleOf(0.5).optional(),
    /** Most Aurora capacity units. */
    maxCapacity: z.number().min(1).max(256).multipleOf(0.5).optional(),
    /** Minutes without connections before a cluster with minCapacity 0 pauses. */
    autoPauseMinutes: z.int().min(5).max(1440).optional(),
    /** Dimensions of the embedding model's vectors (the built-in embedder has 256). */
    dimensions: z.int().min(1).max(2000).optional(),
    /** An existing PostgreSQL with pgvector and the platform's schema, instead of creating one. */
    existing: z
      .strictObject({
        endpointAddress: hostName,
        port,
        databaseName: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, { message: 'must be a database name' }),
        securityGroupId,
        /** Secret with the application login, JSON with `username` and `password`. */
        secretArn,
        /** The customer-managed key of that secret, if it has one. */
        secretKeyArn: keyArn.optional(),
      })
      .optional(),
  })
  .superRefine(existingAlone('vector store'))
  .superRefine((section, ctx) => {
    if (
      section.minCapacity !== undefined &&
      section.maxCapacity !== undefined &&
      section.maxCapacity < section.minCapacity
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxCapacity'],
        message: `must be at least minCapacity (${section.minCapacity})`,
      });
    }
    if (section.autoPauseMinutes !== undefined && section.minCapacity !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['autoPauseMinutes'],
        message: 'applies only when minCapacity is 0; remove it, or set minCapacity to 0',
      });
    }
  });

export const providerSecretsConfigSchema = z
  .strictObject({
    /** A secret is created for each (its value set after deploy with put-secret-value). */
    credentials: z.array(credentialName).default(['openai', 'anthropic']),
    /** Credentials whose secrets already exist: credential name to complete secret ARN. */
    existing: z.record(credentialName, secretArn).default({}),
    /** The customer-managed key of the existing secrets, if they have one. */
    existingKeyArn: keyArn.optional(),
  })
  .superRefine((section, ctx) => {
    const both = section.credentials.filter((name) => name in section.existing);
    if (both.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['existing', both[0]],
        message: `"${both[0]}" is also in credentials; list a credential in one of them only`,
      });
    }
    if (section.credentials.length + Object.keys(section.existing).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['credentials'], message: 'name at least one credential' });
    }
    const repeated = section.credentials.find((name, i) => section.credentials.indexOf(name) !== i);
    if (repeated) ctx.addIssue({ code: 'custom', path: ['credentials'], message: `"${repeated}" is listed twice` });
  });
