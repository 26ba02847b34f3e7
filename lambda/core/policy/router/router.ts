import type { RouteInput, TierDecision } from '../../pipeline/ports';
import { TierClassifier, type ClassifierModel } from './classifier';
import { chooseTier, costMatrix, type CostMatrix } from './decision';
import type { RoutingConfig } from '../../../contract/config/routing';

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
