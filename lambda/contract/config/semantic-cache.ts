import * as z from 'zod/mini';
import '../zod-messages';

export const semanticCacheSchema = z.strictObject({
  /** Cosine similarity at or above which a stored answer is reused. */
  threshold: z._default(z.number().check(z.gt(0), z.lte(1)), 0.9),
  ttlSeconds: z._default(z.int().check(z.gte(1)), 86_400),
  /** Only single-turn requests (one user message, optional system prompt) unless this is set. */
  multiTurn: z._default(z.boolean(), false),
  /** A lookup or store (the database's part) that takes longer is abandoned: a miss, never a failed call. */
  timeoutMs: z._default(z.int().check(z.gte(1)), 150),
  /**
   * The embedding model that embeds prompts: an `embedding` model of this config (by name or
   * alias) with its `dimensions`. Its calls go through the gateway as the caller's own (timeouts,
   * failover, breaker, limits, cost counted to the tenant), once per call for lookup and store.
   * @default the built-in hashing embedder (256 dimensions): lexical, offline, for the local server and tests
   */
  embeddingModel: z.optional(z.string().check(z.minLength(1))),
  /** An embedding that takes longer is abandoned: the lookup is a miss and nothing is stored. */
  embeddingTimeoutMs: z._default(z.int().check(z.gte(1)), 1_000),
  models: z._default(
    z.record(
      z.string(),
      z.strictObject({
        enabled: z.optional(z.boolean()),
        threshold: z.optional(z.number().check(z.gt(0), z.lte(1))),
        nonDeterministic: z.optional(z.boolean()),
      }),
    ),
    {},
  ),
});
export type SemanticCacheSettings = z.output<typeof semanticCacheSchema>;
