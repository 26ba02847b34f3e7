import { readFileSync } from 'node:fs';
import { featureCounts } from './features';

/**
 * A multinomial naive Bayes classifier over hashed features: small (a sparse table), deterministic
 * to train, and a few microseconds to apply. It is the router's last resort after explicit models
 * and rules, so it needs to be cheap and good enough, not clever.
 */
export interface ClassifierModel {
  readonly version: 1;
  readonly buckets: number;
  readonly tiers: readonly string[];
  /** log P(tier), by tier index. */
  readonly logPriors: readonly number[];
  /** log P(feature | tier) for a feature never seen with that tier, by tier index. */
  readonly logUnseen: readonly number[];
  /** bucket -> log P(feature | tier) by tier index, for buckets seen in training. */
  readonly logLikelihoods: Readonly<Record<string, readonly number[]>>;
}

export interface Classification {
  readonly tier: string;
  /** Posterior probability of the chosen tier. */
  readonly confidence: number;
}

export interface LabelledExample {
  readonly text: string;
  readonly tier: string;
}

const round = (value: number) => Math.round(value * 1e5) / 1e5;

/** Trains on labelled examples. Same data, same model, byte for byte. */
export function trainClassifier(
  examples: readonly LabelledExample[],
  options: { buckets?: number; smoothing?: number } = {},
): ClassifierModel {
  const buckets = options.buckets ?? 1 << 16;
  const smoothing = options.smoothing ?? 0.5;
  const tiers = [...new Set(examples.map((e) => e.tier))].sort();
  const counts = new Map<number, number[]>();
  const totals = tiers.map(() => 0);
  const documents = tiers.map(() => 0);
  for (const example of examples) {
    const t = tiers.indexOf(example.tier);
    documents[t]++;
    for (const [bucket, count] of featureCounts(example.text, buckets)) {
      let row = counts.get(bucket);
      if (!row) counts.set(bucket, (row = tiers.map(() => 0)));
      row[t] += count;
      totals[t] += count;
    }
  }
  const vocabulary = counts.size;
  const denominators = totals.map((total) => Math.log(total + smoothing * vocabulary));
  const logLikelihoods: Record<string, number[]> = {};
  for (const bucket of [...counts.keys()].sort((a, b) => a - b)) {
    logLikelihoods[bucket] = counts
      .get(bucket)!
      .map((count, t) => round(Math.log(count + smoothing) - denominators[t]));
  }
  return {
    version: 1,
    buckets,
    tiers,
    logPriors: documents.map((n) => round(Math.log(n / examples.length))),
    logUnseen: denominators.map((d) => round(Math.log(smoothing) - d)),
    logLikelihoods,
  };
}

export function classify(model: ClassifierModel, text: string): Classification {
  const scores = [...model.logPriors];
  for (const [bucket, count] of featureCounts(text, model.buckets)) {
    const row = model.logLikelihoods[bucket];
    for (let t = 0; t < scores.length; t++) scores[t] += count * (row ? row[t] : model.logUnseen[t]);
  }
  let best = 0;
  for (let t = 1; t < scores.length; t++) if (scores[t] > scores[best]) best = t;
  const total = scores.reduce((sum, score) => sum + Math.exp(score - scores[best]), 0);
  return { tier: model.tiers[best], confidence: 1 / total };
}

/** Reads a model file written by `npm run router:train`. */
export function loadClassifierModel(path: string): ClassifierModel {
  const model = JSON.parse(readFileSync(path, 'utf8')) as ClassifierModel;
  if (model.version !== 1 || !Array.isArray(model.tiers))
    throw new Error(`${path} is not a router model written by router:train`);
  return model;
}
