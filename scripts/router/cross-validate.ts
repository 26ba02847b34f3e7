import { costMatrix } from '../../lambda/core/policy/router/decision';
import { textId } from './authored';
import { CANDIDATES, calibrated, fitCandidate, outcome, type Candidate, type Outcome } from './fit';
import { sourceComponents } from './split';
import type { Example } from './train';

/**
 * k-fold cross-validation over the training and tuning splits together, folds drawn by source and
 * near-duplicate component (as the splits are): a steadier comparison of candidates than the tuning
 * split alone, used to narrow the candidates `router:train` compares. The evaluation split plays no
 * part. Each fold's temperature is fitted on that fold, as the tuning split's is.
 */
export interface CrossValidated extends Outcome {
  readonly name: string;
  /** Accuracy on the lines marked hard. */
  readonly hard: number;
  /** Mean negative log-likelihood of the labels under the calibrated probabilities. */
  readonly logLoss: number;
}

export function crossValidate(
  examples: readonly (Example & { readonly source: string; readonly hard: boolean })[],
  options: { readonly folds: number; readonly misroutePenalty: number; readonly candidates?: readonly Candidate[] },
): CrossValidated[] {
  const tiers = [...new Set(examples.map((e) => e.tier))].sort();
  const costs = costMatrix(tiers, options.misroutePenalty);
  const sets = sourceComponents(examples);
  const roots = examples.map((_, i) => sets.find(i));
  const key = new Map<number, string>();
  examples.forEach(({ source }, i) => {
    const current = key.get(roots[i]);
    if (current === undefined || source < current) key.set(roots[i], source);
  });
  const fold = roots.map((root) => parseInt(textId(`fold:${key.get(root)}`), 16) % options.folds);
  return (options.candidates ?? CANDIDATES).map((candidate) => {
    const sums = { accuracy: 0, cost: 0, abstained: 0, toSmall: 0, hard: 0, logLoss: 0 };
    for (let f = 0; f < options.folds; f++) {
      const held = examples.filter((_, i) => fold[i] === f);
      const labels = held.map((e) => tiers.indexOf(e.tier));
      const linear = fitCandidate(
        candidate,
        examples.filter((_, i) => fold[i] !== f),
        tiers,
      );
      const { probabilities } = calibrated(linear, held, labels);
      const result = outcome(probabilities, labels, costs, 0, tiers.indexOf('small'), tiers);
      const hard = held.map((e, i) => ({ e, i })).filter(({ e }) => e.hard);
      const hardResult = outcome(
        hard.map(({ i }) => probabilities[i]),
        hard.map(({ i }) => labels[i]),
        costs,
        0,
        tiers.indexOf('small'),
        tiers,
      );
      let logLoss = 0;
      probabilities.forEach((p, i) => (logLoss -= Math.log(p[labels[i]] + 1e-12)));
      for (const k of ['accuracy', 'cost', 'abstained', 'toSmall'] as const) sums[k] += result[k] / options.folds;
      sums.hard += hardResult.accuracy / options.folds;
      sums.logLoss += logLoss / held.length / options.folds;
    }
    return { name: candidate.name, ...sums };
  });
}
