/**
 * From tier probabilities to a tier: the one with the least expected cost, where sending a prompt
 * to a tier weaker than it needs costs more than the other mistakes; or, when the classifier is not
 * sure enough of anything, the routing config's default tier.
 */

/** costs[needed][chosen]: what sending a prompt that needs tier `needed` to tier `chosen` costs. */
export type CostMatrix = readonly (readonly number[])[];

/**
 * Capability of the tiers the shipped model knows: a prompt needing a higher rank sent to a lower
 * one gets a worse answer. Tiers not named here rank 0.
 */
const RANK: Readonly<Record<string, number>> = { small: 0, local: 0, code: 1, reasoning: 1 };
/** Tiers whose prompts must not go elsewhere: a prompt with the organisation's own data sent to a public model. */
const CONFINED: ReadonlySet<string> = new Set(['local']);

/**
 * The default cost matrix: a right tier costs 0; a wrong one 1 (money or quality lost); a prompt
 * sent to a weaker tier than it needs (code or reasoning to small or local), or a local prompt sent
 * anywhere else, costs `misroutePenalty`. `overrides` replaces single cells (needed -> chosen -> cost).
 */
export function costMatrix(
  tiers: readonly string[],
  misroutePenalty: number,
  overrides: Readonly<Record<string, Readonly<Record<string, number>>>> = {},
): CostMatrix {
  return tiers.map((needed) =>
    tiers.map((chosen) => {
      const override = overrides[needed]?.[chosen];
      if (override !== undefined) return override;
      if (needed === chosen) return 0;
      const weaker = (RANK[chosen] ?? 0) < (RANK[needed] ?? 0);
      return weaker || CONFINED.has(needed) ? misroutePenalty : 1;
    }),
  );
}

export interface TierChoice {
  /** Index of the chosen tier, or -1 when the classifier abstains. */
  readonly index: number;
  /** Probability of the most likely tier (what the abstain rule compares). */
  readonly confidence: number;
}

/**
 * Abstains (index -1) when no tier reaches `abstainBelow`; otherwise picks the tier with the least
 * expected cost sum_needed p(needed) * costs[needed][chosen] (ties: the earlier tier).
 */
export function chooseTier(probabilities: ArrayLike<number>, costs: CostMatrix, abstainBelow: number): TierChoice {
  const n = costs.length;
  let confidence = 0;
  for (let t = 0; t < n; t++) if (probabilities[t] > confidence) confidence = probabilities[t];
  if (confidence < abstainBelow) return { index: -1, confidence };
  let best = 0;
  let bestCost = Infinity;
  for (let chosen = 0; chosen < n; chosen++) {
    let expected = 0;
    for (let needed = 0; needed < n; needed++) expected += probabilities[needed] * costs[needed][chosen];
    if (expected < bestCost) {
      bestCost = expected;
      best = chosen;
    }
  }
  return { index: best, confidence };
}
