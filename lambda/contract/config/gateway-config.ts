import * as z from 'zod/mini';
import '../zod-messages';
import { remoteUrlsSchema } from './remote-urls';
import { budgetsSchema } from './budgets';
import { routingSchema } from './routing';
import { exactCacheSchema } from './exact-cache';
import { semanticCacheSchema } from './semantic-cache';
import { storeDownPolicySchema } from './limits-store-down';
import { tokenLimitsSchema } from './token-limits';
import { positiveMs } from './deployment';
import { deploymentSchema, type Deployment, type DeploymentInput } from './providers';

export {
  PROVIDER_KINDS,
  deploymentSchema,
  type Deployment,
  type DeploymentInput,
  type ProviderKind,
} from './providers';

/** Deeper than any request the API defines needs (tool parameter schemas included). */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/**
 * The gateway's model configuration: which public model names exist, which deployments serve them in
 * which order, where those deployments are and what they cost. It is data, validated when the
 * gateway starts (and when the LlmGateway construct synthesizes); a provider's base URL comes only
 * from here, never from a request.
 */

export const modelSchema = z.strictObject({
  kind: z._default(z.enum(['chat', 'embedding']), 'chat'),
  /** Deployments in failover order. */
  deployments: z.array(z.string()).check(z.minLength(1)),
  /** Other names clients may use for this model. */
  aliases: z._default(z.array(z.string().check(z.minLength(1))), []),
  /**
   * An embedding model's vector length (what it returns; with OpenAI's `text-embedding-3-*`, what
   * its `dimensions` parameter asks for). The vector store indexes each size in use, and the
   * semantic cache's table is made for its model's.
   */
  dimensions: z.optional(z.int().check(z.gte(1), z.lte(16_000))),
});

export const apiKeySchema = z.strictObject({
  /** Hex SHA-256 of the key; the key itself is never stored. */
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be the hex SHA-256 of the key')),
  tenant: z.string().check(z.minLength(1)),
  user: z.optional(z.string()),
  /** Public model names this key may use; omit for all. */
  models: z.optional(z.array(z.string())),
});

export const gatewayConfigSchema = z
  .strictObject({
    models: z.record(z.string().check(z.minLength(1)), modelSchema),
    deployments: z.record(z.string().check(z.regex(/^[a-zA-Z0-9._-]+$/)), deploymentSchema),
    retry: z.prefault(
      z.strictObject({
        /** Attempts per deployment, the first included, before failing over to the next. */
        maxAttempts: z._default(z.int().check(z.gte(1), z.lte(10)), 2),
        initialDelayMs: z._default(z.int().check(z.gte(0)), 200),
        maxDelayMs: z._default(z.int().check(z.gte(0)), 5_000),
        /**
         * What a timeout does: `failover` (default) moves on to the next deployment at once, since a
         * deployment that did not answer in time rarely answers the same request faster; `retry`
         * retries it like any transient failure.
         */
        onTimeout: z._default(z.enum(['failover', 'retry']), 'failover'),
      }),
      {},
    ),
    breaker: z.prefault(
      z.strictObject({
        /** Consecutive failures that open a deployment's breaker. */
        failureThreshold: z._default(z.int().check(z.gte(1)), 5),
        /** How long an open breaker refuses calls before one probe is let through. */
        openMs: positiveMs(30_000),
      }),
      {},
    ),
    limits: z.prefault(
      z.strictObject({
        /** Larger bodies are refused with 413 before they are parsed. */
        maxBodyBytes: z._default(z.int().check(z.gte(1024)), 4 * 1024 * 1024),
        /** Bodies whose arrays and objects nest deeper are refused with 400 before they are parsed. */
        maxJsonDepth: z._default(z.int().check(z.gte(8), z.lte(1_000)), DEFAULT_MAX_JSON_DEPTH),
      }),
      {},
    ),
    /** Token limits per tenant, user and feature, per minute and per day. Omit for none. */
    tokenLimits: z.optional(tokenLimitsSchema),
    /** Monthly LLM spend budgets per tenant and feature. Omit for none. */
    budgets: z.optional(budgetsSchema),
    /** The prompt router: requests naming `routing.model` get a tier chosen by rules and a classifier. */
    routing: z.optional(routingSchema),
    /** The exact-match answer cache (Redis when deployed). Omit for none. */
    exactCache: z.optional(exactCacheSchema),
    /** The semantic answer cache over pgvector, tried after the exact cache. Omit for none. */
    semanticCache: z.optional(semanticCacheSchema),
    /** What budgets and token limits do when Redis cannot answer (written policy in the README). */
    limitsStoreDown: z.prefault(storeDownPolicySchema, {}),
    /** Which URLs in a request (image, audio, file parts) a provider may be asked to fetch. */
    remoteUrls: z.prefault(remoteUrlsSchema, {}),
    /** How often each instance re-reads the kill-switch flags. */
    killSwitch: z.prefault(z.strictObject({ refreshMs: z._default(z.int().check(z.gte(100)), 1_000) }), {}),
    /** Keys the gateway authenticates itself (local server). Behind API Gateway, its authorizer does. */
    apiKeys: z._default(z.array(apiKeySchema), []),
    /** Local runs: environment variable holding each credential (deployed: Secrets Manager). */
    credentialEnv: z._default(z.record(z.string(), z.string()), {}),
  })
  .check(
    z.superRefine((config, ctx) => {
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
      for (const [name, model] of Object.entries(config.models)) {
        if (model.dimensions !== undefined && model.kind !== 'embedding') {
          ctx.addIssue({
            code: 'custom',
            path: ['models', name, 'dimensions'],
            message: `is ${model.dimensions}, but "${name}" is a ${model.kind} model: only embedding models have dimensions`,
          });
        }
      }
      // The semantic cache embeds with an embedding model of this config whose size is known.
      const embeddingModel = config.semanticCache?.embeddingModel;
      if (embeddingModel !== undefined) {
        const owner = names.get(embeddingModel);
        const entry = owner === undefined ? undefined : config.models[owner];
        if (entry?.kind !== 'embedding') {
          const embeddings = Object.keys(config.models).filter((n) => config.models[n].kind === 'embedding');
          ctx.addIssue({
            code: 'custom',
            path: ['semanticCache', 'embeddingModel'],
            message:
              `"${embeddingModel}" is not an embedding model of this config; ` +
              `name one of: ${embeddings.join(', ') || '(none: add a model with kind "embedding")'}`,
          });
        } else if (entry.dimensions === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['models', owner!, 'dimensions'],
            message: `is required: the semantic cache embeds with "${owner}", and its table is made for the model's vector length`,
          });
        }
      }
      // Each routing tier sends to a chat model of this config (by name or alias).
      for (const [tier, { model }] of Object.entries(config.routing?.tiers ?? {})) {
        const owner = names.get(model);
        if (owner === undefined || config.models[owner].kind !== 'chat') {
          ctx.addIssue({
            code: 'custom',
            path: ['routing', 'tiers', tier, 'model'],
            message: `"${model}" is not a chat model of this config`,
          });
        }
      }
    }),
  );

type Parsed = z.output<typeof gatewayConfigSchema>;
type Written = z.input<typeof gatewayConfigSchema>;
/** The config as a file or a construct prop writes it (defaults may be left out). */
export type GatewayConfigInput = Omit<Written, 'deployments'> & {
  readonly deployments: Readonly<Record<string, DeploymentInput>>;
};
/** The validated config, defaults applied. */
export type GatewayConfig = Omit<Parsed, 'deployments'> & {
  readonly deployments: Readonly<Record<string, Deployment>>;
};
export type ModelEntry = z.output<typeof modelSchema>;
export type ModelKind = ModelEntry['kind'];
