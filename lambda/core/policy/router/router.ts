import * as z from 'zod/mini';
import type { ChatCompletionRequest } from '../../openai/types';
import { classify, type ClassifierModel } from './classifier';
import '../../validation/messages';

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

/**
 * Routing as data: requests naming the router's model (e.g. `auto`) go to a tier chosen by the
 * first matching rule, else by the classifier (when it is confident enough), else the default tier.
 * Each tier is a public model name, whose deployments and prices are in the model configuration.
 */
export const routingSchema = z
  .strictObject({
    model: z._default(z.string(), 'auto'),
    tiers: z.record(z.string(), z.strictObject({ model: z.string() })),
    rules: z._default(z.array(rule), []),
    classifier: z.optional(z.strictObject({ minConfidence: z._default(z.number().check(z.gte(0), z.lte(1)), 0.6) })),
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

  constructor(
    private readonly config: RoutingConfig,
    private readonly model?: ClassifierModel,
  ) {
    this.patterns = config.rules.map((r) =>
      r.when.pattern === undefined ? undefined : new RegExp(r.when.pattern, 'i'),
    );
    if (config.classifier && model) {
      const unknown = model.tiers.filter((tier) => !config.tiers[tier]);
      if (unknown.length > 0)
        throw new Error(`the classifier predicts tiers the routing config lacks: ${unknown.join(', ')}`);
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
    if (this.config.classifier && this.model) {
      const { tier, confidence } = classify(this.model, text);
      if (confidence >= this.config.classifier.minConfidence) return pick(tier, 'classifier', { confidence });
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
