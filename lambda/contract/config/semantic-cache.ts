import * as z from 'zod/mini';
import '../zod-messages';

export const semanticCacheSchema = z.strictObject({
  /** Cosine similarity at or above which a stored answer is reused. */
  threshold: z._default(z.number().check(z.gt(0), z.lte(1)), 0.9),
  ttlSeconds: z._default(z.int().check(z.gte(1)), 86_400),
  /** Only single-turn requests (one user message, optional system prompt) unless this is set. */
  multiTurn: z._default(z.boolean(), false),
  /** A lookup or store that takes longer is abandoned: a miss, never a failed call. */
  timeoutMs: z._default(z.int().check(z.gte(1)), 150),
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
