import { InjectionDetector, readText, sigmoid, combinerFeatures } from './detector';
import { featureVector, type SparseVector } from './features';
import type { InjectionModel } from './model';

/**
 * Trains the detector's model in two stages, deterministically (same data, same bytes):
 * 1. an n-gram logistic regression (AdaGrad, seeded update order, classes weighted to balance, L2);
 * 2. a combiner, a logistic regression over that n-gram score and the rule, rule-family, term-set
 *    and rule-count features, fitted on out-of-fold n-gram scores (five folds by source template)
 *    so the rules get the weight they earn on text the n-grams have not memorised. Rule weights may
 *    not go below zero (a match is evidence for an injection), except for the few features that mark
 *    discussion or self-correction.
 * Then the table is quantised to a byte a bucket, calibrated (Platt) on the tuning split through the
 * very scoring path that ships, and the threshold chosen on that split: the lowest that keeps the
 * tuning false-positive rate within `targetFalsePositiveRate` (default 3%, the acceptance limit for
 * benign text: the most recall that limit allows). The held-out split is never read here.
 */
export interface LabelledText {
  readonly text: string;
  readonly label: 'injection' | 'benign';
}

export interface TrainingOptions {
  readonly buckets?: number;
  readonly epochs?: number;
  readonly learningRate?: number;
  readonly l2?: number;
  readonly targetFalsePositiveRate?: number;
  readonly window?: InjectionModel['window'];
  /** L2 penalty of the combiner that weighs the n-gram score against the rules. */
  readonly combinerL2?: number;
}

interface Encoded {
  readonly vector: SparseVector;
  readonly signals: readonly string[];
  readonly y: number;
  readonly weight: number;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** xorshift32: a seeded shuffle, so the order of updates (and so the model) never varies. */
function shuffled(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let state = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const j = (state >>> 0) % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function encode(examples: readonly LabelledText[], mask: number, window: InjectionModel['window']): Encoded[] {
  const positives = examples.filter((e) => e.label === 'injection').length;
  const negatives = examples.length - positives;
  return examples.map((example) => {
    const reading = readText(example.text, window);
    const y = example.label === 'injection' ? 1 : 0;
    return {
      vector: featureVector(reading.documents.join('\n'), mask),
      signals: combinerFeatures(reading),
      y,
      weight: examples.length / (2 * (y ? positives : negatives)),
    };
  });
}

/** Platt scaling: a and b minimising log loss of sigmoid(a * logit + b), by Newton's method. */
export function fitPlatt(logits: readonly number[], labels: readonly number[]): { a: number; b: number } {
  const positives = labels.filter((y) => y === 1).length;
  const negatives = labels.length - positives;
  const hi = (positives + 1) / (positives + 2);
  const lo = 1 / (negatives + 2);
  let a = 1;
  let b = 0;
  for (let iteration = 0; iteration < 100; iteration++) {
    let ga = 0,
      gb = 0,
      haa = 1e-9,
      hab = 0,
      hbb = 1e-9;
    for (let i = 0; i < logits.length; i++) {
      const t = labels[i] === 1 ? hi : lo;
      const p = sigmoid(a * logits[i] + b);
      const d = p - t;
      const w = p * (1 - p);
      ga += d * logits[i];
      gb += d;
      haa += w * logits[i] * logits[i];
      hab += w * logits[i];
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (Math.abs(det) < 1e-12) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) < 1e-9 && Math.abs(db) < 1e-9) break;
  }
  return { a: round(a, 6), b: round(b, 6) };
}

/** The lowest threshold at which at most `rate` of the benign tuning texts score at or above it. */
export function chooseThreshold(benignScores: readonly number[], rate: number): number {
  const descending = [...benignScores].sort((x, y) => y - x);
  const allowed = Math.floor(rate * descending.length);
  const ceiling = descending[allowed] ?? 0;
  return round(Math.min(0.9999, Math.max(0.05, ceiling + 1e-4)), 4);
}

interface NgramModel {
  readonly weights: Float64Array;
  readonly bias: number;
}

/** Logistic regression on the n-grams alone, by AdaGrad in a seeded order. */
function trainNgrams(data: readonly Encoded[], buckets: number, o: Required<TrainingOptions>): NgramModel {
  const weights = new Float64Array(buckets);
  const squares = new Float64Array(buckets).fill(1e-8);
  let bias = 0;
  let biasSquare = 1e-8;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (const i of shuffled(data.length, 0x5eed + epoch)) {
      const { vector, y, weight } = data[i];
      let z = bias;
      for (const k of vector.indices) z += weights[k] * vector.value;
      const g = (sigmoid(z) - y) * weight;
      for (const k of vector.indices) {
        const grad = g * vector.value + o.l2 * weights[k];
        squares[k] += grad * grad;
        weights[k] -= (o.learningRate * grad) / Math.sqrt(squares[k]);
      }
      biasSquare += g * g;
      bias -= (o.learningRate * g) / Math.sqrt(biasSquare);
    }
  }
  return { weights, bias };
}

function ngramLogit(model: NgramModel, vector: SparseVector): number {
  let z = 0;
  for (const k of vector.indices) z += model.weights[k];
  return model.bias + z * vector.value;
}

/**
 * The combiner: logistic regression over the n-gram logit and the rule and signal indicators, fitted
 * on out-of-fold n-gram logits (each training line scored by a model that never saw its source), so
 * the rules get the weight they earn on unseen text rather than what is left after the n-grams have
 * memorised the training set. Full-batch gradient descent: small, convex, deterministic.
 */
function trainCombiner(
  ngram: readonly number[],
  data: readonly Encoded[],
  ids: readonly string[],
  l2: number,
): { ngramWeight: number; bias: number; rules: Map<string, number> } {
  const column = new Map(ids.map((id, i) => [id, i]));
  const nonNegative = ids.map((id) => !NEGATIVE_EVIDENCE.has(id));
  const w = new Float64Array(ids.length);
  let a = 1;
  let b = 0;
  const rate = 0.5;
  for (let iteration = 0; iteration < 3000; iteration++) {
    const gw = new Float64Array(ids.length);
    let ga = 0;
    let gb = 0;
    let total = 0;
    data.forEach((example, i) => {
      let z = b + a * ngram[i];
      for (const id of example.signals) z += w[column.get(id)!];
      const g = (sigmoid(z) - example.y) * example.weight;
      ga += g * ngram[i];
      gb += g;
      for (const id of example.signals) gw[column.get(id)!] += g;
      total += example.weight;
    });
    a -= rate * (ga / total + l2 * a);
    b -= rate * (gb / total);
    for (let j = 0; j < w.length; j++) {
      w[j] -= rate * (gw[j] / total + l2 * w[j]);
      // A rule's match is evidence for an injection, never against: its weight may not go below zero.
      if (w[j] < 0 && nonNegative[j]) w[j] = 0;
    }
  }
  return { ngramWeight: a, bias: b, rules: new Map(ids.map((id, j) => [id, w[j]])) };
}

const FOLDS = 5;
/**
 * The only features allowed to lower the score: a speaker correcting their own earlier words, and
 * the vocabulary of people discussing attacks or asking how prompts work.
 */
const NEGATIVE_EVIDENCE = new Set(['term.selfReference', 'term.metaDiscussion', 'term.askAbout']);

export function trainInjectionModel(
  train: readonly (LabelledText & { readonly source?: string })[],
  tune: readonly LabelledText[],
  options: TrainingOptions = {},
): InjectionModel {
  const o: Required<TrainingOptions> = {
    buckets: options.buckets ?? 1 << 16,
    epochs: options.epochs ?? 30,
    learningRate: options.learningRate ?? 0.1,
    l2: options.l2 ?? 1e-4,
    targetFalsePositiveRate: options.targetFalsePositiveRate ?? 0.03,
    window: options.window ?? { size: 600, step: 300 },
    combinerL2: options.combinerL2 ?? 1e-4,
  };
  const mask = o.buckets - 1;
  const data = encode(train, mask, o.window);

  // Out-of-fold n-gram logits, folds by source so no template is scored by a model trained on it.
  const fold = train.map((example, i) => hashFold(example.source ?? String(i)));
  const outOfFold = new Array<number>(data.length).fill(0);
  for (let f = 0; f < FOLDS; f++) {
    const model = trainNgrams(
      data.filter((_, i) => fold[i] !== f),
      o.buckets,
      o,
    );
    data.forEach((example, i) => {
      if (fold[i] === f) outOfFold[i] = ngramLogit(model, example.vector);
    });
  }
  const ids = [...new Set(data.flatMap((example) => example.signals))].sort();
  const combiner = trainCombiner(outOfFold, data, ids, o.combinerL2);
  const ngrams = trainNgrams(data, o.buckets, o);

  // Fold the combiner's n-gram weight into the table, then quantise it to a byte a bucket.
  const scaled = ngrams.weights.map((w) => w * combiner.ngramWeight);
  let largest = 0;
  for (const w of scaled) largest = Math.max(largest, Math.abs(w));
  const scale = round(largest / 127 || 1e-6, 8);
  const bytes = new Int8Array(o.buckets);
  for (let k = 0; k < o.buckets; k++) bytes[k] = Math.max(-127, Math.min(127, Math.round(scaled[k] / scale)));
  const rules: Record<string, number> = {};
  for (const id of ids) rules[id] = round(combiner.rules.get(id)!, 4);

  const uncalibrated: InjectionModel = {
    version: 1,
    buckets: o.buckets,
    scale,
    weights: Buffer.from(bytes.buffer).toString('base64'),
    rules,
    bias: round(combiner.bias + combiner.ngramWeight * ngrams.bias, 4),
    calibration: { a: 1, b: 0 },
    threshold: 0.5,
    window: o.window,
  };
  const detector = new InjectionDetector(uncalibrated);
  const logits = tune.map((example) => detector.logit(readText(example.text, o.window)));
  const labels = tune.map((example) => (example.label === 'injection' ? 1 : 0));
  const calibration = fitPlatt(logits, labels);
  const benign = logits
    .filter((_, i) => labels[i] === 0)
    .map((logit) => sigmoid(calibration.a * logit + calibration.b));
  const threshold = chooseThreshold(benign, o.targetFalsePositiveRate);
  return { ...uncalibrated, calibration, threshold };
}

function hashFold(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % FOLDS;
}
