import * as z from 'zod/mini';
import type { ChatCompletionRequest } from '../../openai/types';
import { TierClassifier, type ClassifierModel } from './classifier';
import { chooseTier, costMatrix, type CostMatrix } from './decision';
import '../../validation/messages';

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

export interface RouteInput {
  readonly request: Pick<ChatCompletionRequest, 'model' | 'messages' | 'tools'>;
  readonly tenant: string;
  readonly feature?: string;
  readonly estimatedTokens: number;
}

export interface TierDecision {
  readonly tier: string;
  /** The public model the tier sends to. */
  readonly model: string;
  readonly reason: 'explicit' | 'rule' | 'classifier' | 'default';
  /** Which rule (its index), when a rule decided. */
  readonly rule?: number;
  readonly confidence?: number;
}

function lastUserText(request: RouteInput['request']): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message.role !== 'user') continue;
    if (typeof message.content === 'string') return message.content;
    return (message.content ?? [])
      .map((part) => (part.type === 'text' ? (part as { text: string }).text : ''))
      .join(' ');
  }
  return '';
}

function hasImages(request: RouteInput['request']): boolean {
  return request.messages.some((m) => Array.isArray(m.content) && m.content.some((part) => part.type === 'image_url'));
}

export class PromptRouter {
  private readonly patterns: Array<RegExp | undefined>;
  private readonly classifier?: {
    readonly apply: TierClassifier;
    readonly costs: CostMatrix;
    readonly abstainBelow: number;
    readonly probabilities: Float64Array;
  };

  constructor(
    private readonly config: RoutingConfig,
    model?: ClassifierModel,
  ) {
    this.patterns = config.rules.map((r) =>
      r.when.pattern === undefined ? undefined : new RegExp(r.when.pattern, 'i'),
    );
    if (config.classifier && model) {
      const unknown = model.tiers.filter((tier) => !config.tiers[tier]);
      if (unknown.length > 0)
        throw new Error(`the classifier predicts tiers the routing config lacks: ${unknown.join(', ')}`);
      this.classifier = {
        apply: new TierClassifier(model),
        costs: costMatrix(model.tiers, config.classifier.misroutePenalty, config.classifier.costs),
        abstainBelow: config.classifier.minConfidence ?? model.abstainBelow,
        probabilities: new Float64Array(model.tiers.length),
      };
    }
  }

  /** Whether a request asks the router to choose (rather than naming a model itself). */
  handles(requestedModel: string): boolean {
    return requestedModel === this.config.model;
  }

  decide(input: RouteInput): TierDecision {
    const pick = (tier: string, reason: TierDecision['reason'], extra: Partial<TierDecision> = {}): TierDecision => ({
      tier,
      model: this.config.tiers[tier].model,
      reason,
      ...extra,
    });
    const text = lastUserText(input.request);
    for (const [index, { tier, when }] of this.config.rules.entries()) {
      if (when.features && !(input.feature && when.features.includes(input.feature))) continue;
      if (when.tenants && !when.tenants.includes(input.tenant)) continue;
      if (when.minTokens !== undefined && input.estimatedTokens < when.minTokens) continue;
      if (when.maxTokens !== undefined && input.estimatedTokens > when.maxTokens) continue;
      if (when.hasTools !== undefined && when.hasTools !== Boolean(input.request.tools?.length)) continue;
      if (when.hasImages !== undefined && when.hasImages !== hasImages(input.request)) continue;
      const pattern = this.patterns[index];
      if (pattern && !pattern.test(text)) continue;
      return pick(tier, 'rule', { rule: index });
    }
    if (this.classifier) {
      const { apply, costs, abstainBelow, probabilities } = this.classifier;
      const { index } = chooseTier(apply.probabilities(text, probabilities), costs, abstainBelow);
      if (index >= 0) return pick(apply.tiers[index], 'classifier', { confidence: probabilities[index] });
    }
    return pick(this.config.defaultTier, 'default');
  }
}

/**
 * The decision as a response-header value (`x-llm-route`): tier, reason, rule or confidence. It
 * never carries prompt text, and only characters safe in a header.
 */
export function formatRouteHeader(decision: TierDecision): string {
  const safe = (value: string) => value.replace(/[^A-Za-z0-9._:-]/g, '_').slice(0, 64);
  const parts = [`tier=${safe(decision.tier)}`, `model=${safe(decision.model)}`, `reason=${decision.reason}`];
  if (decision.rule !== undefined) parts.push(`rule=${decision.rule}`);
  if (decision.confidence !== undefined) parts.push(`confidence=${decision.confidence.toFixed(2)}`);
  return parts.join('; ');
}
