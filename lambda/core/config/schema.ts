import { z } from 'zod';

/**
 * The gateway's model configuration: which public model names exist, which deployments serve them in
 * which order, where those deployments are and what they cost. It is data, validated when the
 * gateway starts; a provider's base URL comes only from here, never from a request.
 */

export const PROVIDER_KINDS = ['openai', 'anthropic', 'openai-compatible', 'builtin'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/**
 * Prices are integers in micro-dollars (1e-6 USD) per million tokens, so $2.50 per 1M tokens is
 * 2_500_000. A call's cost is the exact sum over token kinds, rounded up once to a whole
 * micro-dollar: spend is never under-counted.
 */
const microDollarsPerMillionTokens = z.int().min(0).max(1_000_000_000);

export const deploymentSchema = z
  .strictObject({
    provider: z.enum(PROVIDER_KINDS),
    /** The upstream model id sent to the provider. */
    model: z.string().min(1),
    /** Where the provider is. Required for every provider but `builtin`. */
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Name of the credential (a Secrets Manager secret when deployed) that holds the API key. */
    credential: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/)
      .optional(),
    timeouts: z
      .strictObject({
        /** Headers (and, for streams, the first event) must arrive within this. */
        firstByteMs: z.int().min(1).default(10_000),
        /** The whole response must complete within this. */
        totalMs: z.int().min(1).default(300_000),
      })
      .prefault({}),
    pricing: z.strictObject({
      input: microDollarsPerMillionTokens,
      output: microDollarsPerMillionTokens,
      cachedInput: microDollarsPerMillionTokens.optional(),
    }),
  })
  .superRefine((deployment, ctx) => {
    if (deployment.provider !== 'builtin' && !deployment.baseUrl) {
      ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: `is required for provider "${deployment.provider}"` });
    }
  });

export const modelSchema = z.strictObject({
  kind: z.enum(['chat', 'embedding']).default('chat'),
  /** Deployments in failover order. */
  deployments: z.array(z.string()).min(1),
  /** Other names clients may use for this model. */
  aliases: z.array(z.string().min(1)).default([]),
});

export const apiKeySchema = z.strictObject({
  /** Hex SHA-256 of the key; the key itself is never stored. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the hex SHA-256 of the key'),
  tenant: z.string().min(1),
  user: z.string().optional(),
  /** Public model names this key may use; omit for all. */
  models: z.array(z.string()).optional(),
});

export const gatewayConfigSchema = z
  .strictObject({
    models: z.record(z.string().min(1), modelSchema),
    deployments: z.record(z.string().regex(/^[a-zA-Z0-9._-]+$/), deploymentSchema),
    retry: z
      .strictObject({
        /** Attempts per deployment, the first included, before failing over to the next. */
        maxAttempts: z.int().min(1).max(10).default(2),
        initialDelayMs: z.int().min(0).default(200),
        maxDelayMs: z.int().min(0).default(5_000),
      })
      .prefault({}),
    breaker: z
      .strictObject({
        /** Consecutive failures that open a deployment's breaker. */
        failureThreshold: z.int().min(1).default(5),
        /** How long an open breaker refuses calls before one probe is let through. */
        openMs: z.int().min(1).default(30_000),
      })
      .prefault({}),
    limits: z
      .strictObject({
        /** Larger bodies are refused with 413 before they are parsed. */
        maxBodyBytes: z
          .int()
          .min(1024)
          .default(4 * 1024 * 1024),
      })
      .prefault({}),
    /** Keys the gateway authenticates itself (local server). Behind API Gateway, its authorizer does. */
    apiKeys: z.array(apiKeySchema).default([]),
    /** Local runs: environment variable holding each credential (deployed: Secrets Manager). */
    credentialEnv: z.record(z.string(), z.string()).default({}),
  })
  .superRefine((config, ctx) => {
    const names = new Map<string, string>();
    for (const [name, model] of Object.entries(config.models)) {
      for (const alias of [name, ...model.aliases]) {
        const owner = names.get(alias);
        if (owner !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['models', name, 'aliases'],
            message: `"${alias}" is already a name of model "${owner}"`,
          });
        }
        names.set(alias, name);
      }
      model.deployments.forEach((id, i) => {
        if (!config.deployments[id]) {
          ctx.addIssue({
            code: 'custom',
            path: ['models', name, 'deployments', i],
            message: `"${id}" is not a deployment; known: ${Object.keys(config.deployments).join(', ') || '(none)'}`,
          });
        }
      });
    }
  });

export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export type Deployment = z.output<typeof deploymentSchema>;
export type ModelEntry = z.output<typeof modelSchema>;
