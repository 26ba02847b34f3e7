import * as z from 'zod/mini';
import '../zod-messages';

/** The default `classifier.misroutePenalty`: see data/router/README.md for how it was chosen. */
export const DEFAULT_MISROUTE_PENALTY = 3;

const rule = z.strictObject({
  /** The tier this rule sends a request to. */
  tier: z.string(),
  /** Every condition given must hold. */
  when: z.strictObject({
    features: z.optional(z.array(z.string())),
    tenants: z.optional(z.array(z.string())),
    minTokens: z.optional(z.int().check(z.gte(0))),
    maxTokens: z.optional(z.int().check(z.gte(0))),
    /** Case-insensitive regular expression tried on the last user message. */
    pattern: z.optional(z.string()),
    hasTools: z.optional(z.boolean()),
    hasImages: z.optional(z.boolean()),
  }),
});

const classifier = z.strictObject({
  /**
   * The classifier abstains (the default tier is used) when its top calibrated probability is below
   * this. Default: the threshold stored in the model, chosen on its tuning split.
   */
  minConfidence: z.optional(z.number().check(z.gte(0), z.lte(1))),
  /**
   * What sending a prompt to a weaker tier than it needs costs (code or reasoning sent to small or
   * local, a local prompt sent anywhere else), against 1 for any other wrong tier. The classifier
   * picks the tier with the least expected cost, so a higher penalty sends doubtful prompts up.
   */
  misroutePenalty: z._default(z.number().check(z.gte(1)), DEFAULT_MISROUTE_PENALTY),
  /** Single cells of the cost matrix: needed tier -> chosen tier -> cost, replacing the defaults above. */
  costs: z.optional(z.record(z.string(), z.record(z.string(), z.number().check(z.gte(0))))),
});

/**
 * Routing as data: requests naming the router's model (e.g. `auto`) go to a tier chosen by the
 * first matching rule, else by the classifier (the tier of least expected misrouting cost, unless it
 * abstains), else the default tier. Each tier is a public model name, whose deployments and prices
 * are in the model configuration.
 */
export const routingSchema = z
  .strictObject({
    model: z._default(z.string(), 'auto'),
    tiers: z.record(z.string(), z.strictObject({ model: z.string() })),
    rules: z._default(z.array(rule), []),
    classifier: z.optional(classifier),
    defaultTier: z.string(),
  })
  .check(
    z.superRefine((config, ctx) => {
      const tiers = Object.keys(config.tiers);
      const check = (tier: string, path: PropertyKey[]) => {
        if (!config.tiers[tier])
          ctx.addIssue({ code: 'custom', path, message: `"${tier}" is not a tier; tiers: ${tiers.join(', ')}` });
      };
      check(config.defaultTier, ['defaultTier']);
      for (const [needed, row] of Object.entries(config.classifier?.costs ?? {})) {
        check(needed, ['classifier', 'costs', needed]);
        for (const chosen of Object.keys(row)) check(chosen, ['classifier', 'costs', needed, chosen]);
      }
      config.rules.forEach((r, i) => {
        check(r.tier, ['rules', i, 'tier']);
        if (r.when.pattern !== undefined) {
          try {
            new RegExp(r.when.pattern, 'i');
          } catch {
            ctx.addIssue({
              code: 'custom',
              path: ['rules', i, 'when', 'pattern'],
              message: 'is not a valid regular expression',
            });
          }
        }
      });
    }),
  );
export type RoutingConfig = z.output<typeof routingSchema>;
