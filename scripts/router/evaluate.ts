import { ModelCatalog } from '../../lambda/core/config/catalog';
import type { GatewayConfig } from '../../lambda/contract/config/gateway-config';
import type { ClassifierModel } from '../../lambda/core/policy/router/classifier';
import type { LabelledExample } from '../../lambda/core/policy/router/dataset';
import { costMatrix } from '../../lambda/core/policy/router/decision';
import { PromptRouter } from '../../lambda/core/policy/router/router';

/**
 * The router judged on labelled prompts, deciding as the gateway does (PromptRouter with the gateway
 * config's routing: rules, the classifier with its cost matrix and abstain rule, the default tier),
 * and priced with the gateway config's own prices for each tier's model.
 */
export interface TierPrice {
  /** Micro-dollars per million tokens, of the first deployment of the tier's model. */
  readonly input: number;
  readonly output: number;
}

/** Each routing tier's price: its public model's first deployment (the one that serves unless it fails). */
export function tierPrices(config: GatewayConfig): Record<string, TierPrice> {
  if (!config.routing) throw new Error('the gateway config has no `routing` section');
  const catalog = new ModelCatalog(config);
  return Object.fromEntries(
    Object.entries(config.routing.tiers).map(([tier, { model }]) => {
      const { pricing } = catalog.resolve(model, 'chat').deployments[0].deployment;
      return [tier, { input: pricing.input, output: pricing.output }];
    }),
  );
}

export interface Evaluation {
  readonly examples: number;
  readonly tiers: readonly string[];
  /** matrix[labelled][predicted], indexed like `tiers`. */
  readonly matrix: readonly (readonly number[])[];
  readonly correct: number;
  readonly hard: { readonly examples: number; readonly correct: number };
  /** Reasoning and code prompts, and how many of them went to small. */
  readonly needsLarge: { readonly examples: number; readonly toSmall: number };
  readonly abstained: number;
  readonly misroutePenalty: number;
  /** Mean cost per prompt under the routing config's cost matrix (0: every prompt to its tier). */
  readonly expectedCost: number;
  /** Dollars for the chosen tiers, and for sending every prompt to `baseline`. */
  readonly dollars: { readonly routed: number; readonly baseline: number; readonly baselineTier: string };
}

export function evaluateRouter(
  examples: readonly LabelledExample[],
  model: ClassifierModel,
  config: GatewayConfig,
  outputTokens: number,
): Evaluation {
  const routing = config.routing;
  if (!routing?.classifier) throw new Error('the gateway config routes without a classifier (`routing.classifier`)');
  const router = new PromptRouter(routing, model);
  const prices = tierPrices(config);
  const tiers = [...new Set([...model.tiers, ...Object.keys(routing.tiers), ...examples.map((e) => e.tier)])].sort();
  const costs = costMatrix(tiers, routing.classifier.misroutePenalty, routing.classifier.costs);
  const matrix = tiers.map(() => tiers.map(() => 0));
  const tokens = (text: string) => Math.ceil(text.length / 4);
  const dollars = (tier: string, text: string) =>
    (tokens(text) * prices[tier].input + outputTokens * prices[tier].output) / 1e12;
  const baselineTier = Object.keys(prices).reduce((a, b) =>
    prices[b].input + prices[b].output > prices[a].input + prices[a].output ? b : a,
  );
  let correct = 0;
  let hardCorrect = 0;
  let abstained = 0;
  let cost = 0;
  let routed = 0;
  let baseline = 0;
  for (const example of examples) {
    const decision = router.decide({
      request: { model: routing.model, messages: [{ role: 'user', content: example.text }] },
      tenant: 'router-eval',
      estimatedTokens: tokens(example.text),
    });
    const [label, predicted] = [tiers.indexOf(example.tier), tiers.indexOf(decision.tier)];
    matrix[label][predicted]++;
    if (label === predicted) {
      correct++;
      if (example.hard) hardCorrect++;
    }
    if (decision.reason === 'default') abstained++;
    cost += costs[label][predicted];
    routed += dollars(decision.tier, example.text);
    baseline += dollars(baselineTier, example.text);
  }
  const large = examples.filter((e) => e.tier === 'reasoning' || e.tier === 'code');
  return {
    examples: examples.length,
    tiers,
    matrix,
    correct,
    hard: { examples: examples.filter((e) => e.hard).length, correct: hardCorrect },
    needsLarge: { examples: large.length, toSmall: countToSmall(matrix, tiers) },
    abstained,
    misroutePenalty: routing.classifier.misroutePenalty,
    expectedCost: cost / Math.max(1, examples.length),
    dollars: { routed, baseline, baselineTier },
  };
}

function countToSmall(matrix: readonly (readonly number[])[], tiers: readonly string[]): number {
  const small = tiers.indexOf('small');
  if (small < 0) return 0;
  return ['reasoning', 'code'].reduce(
    (n, tier) => n + (tiers.includes(tier) ? matrix[tiers.indexOf(tier)][small] : 0),
    0,
  );
}
