import * as z from 'zod/mini';
import '../zod-messages';

const modelCache = z.strictObject({
  enabled: z.optional(z.boolean()),
  ttlSeconds: z.optional(z.int().check(z.gte(1))),
  /** Cache sampled answers (temperature > 0) too: for FAQ-like traffic where any good answer will do. */
  nonDeterministic: z.optional(z.boolean()),
});

export const exactCacheSchema = z.strictObject({
  enabled: z._default(z.boolean(), true),
  ttlSeconds: z._default(z.int().check(z.gte(1)), 3_600),
  /** A lookup or store that takes longer is given up on (a miss): the cache never slows a call by more. */
  timeoutMs: z._default(z.int().check(z.gte(1), z.lte(1_000)), 50),
  /** Answers larger than this are not stored. */
  maxEntryBytes: z._default(z.int().check(z.gte(1_024)), 256 * 1024),
  /** Per-model overrides of the settings above. */
  models: z._default(z.record(z.string(), modelCache), {}),
});
export type ExactCacheSettings = z.output<typeof exactCacheSchema>;
