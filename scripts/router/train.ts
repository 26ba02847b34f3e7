import {
  SHAPE_FEATURES,
  extractFeatures,
  maxFeatures,
  type FeatureCounts,
  type FeatureSpec,
} from '../../lambda/core/policy/router/features';

/**
 * Training for the router's classifier: a linear model over hashed features, fitted by one of the
 * candidates compared on the tuning split (multinomial logistic regression, naive Bayes). Every
 * step is deterministic: a seeded shuffle, float arithmetic in a fixed order.
 */
export interface Example {
  readonly text: string;
  readonly tier: string;
}

/**
 * An example as a sparse vector: distinct buckets and their values, each n-gram counted as
 * 1/sqrt(the number of n-grams), or with `spec.groupsApart` 1/sqrt(the number in its group: words
 * or character n-grams), exactly as the classifier scores them.
 */
export interface Encoded {
  readonly buckets: Uint32Array;
  readonly values: Float32Array;
  readonly label: number;
}

export interface LinearModel {
  readonly tiers: readonly string[];
  readonly spec: FeatureSpec;
  /** bucket-major: weights[bucket * tiers + tier]. */
  readonly weights: Float32Array;
  readonly bias: Float64Array;
}

export function encode(examples: readonly Example[], tiers: readonly string[], spec: FeatureSpec): Encoded[] {
  const buffer = new Uint32Array(maxFeatures(spec));
  const counts: FeatureCounts = { words: 0 };
  return examples.map(({ text, tier }) => {
    const n = extractFeatures(text, spec, buffer, counts);
    const values = new Map<number, number>();
    const split = spec.groupsApart ? counts.words : n;
    const wordNorm = 1 / Math.sqrt(Math.max(1, split));
    const charNorm = spec.groupsApart ? 1 / Math.sqrt(Math.max(1, n - split)) : wordNorm;
    for (let i = 0; i < n; i++) values.set(buffer[i], (values.get(buffer[i]) ?? 0) + (i < split ? wordNorm : charNorm));
    if (spec.shape)
      for (let i = n; i < n + SHAPE_FEATURES; i++) values.set(buffer[i], (values.get(buffer[i]) ?? 0) + 1);
    const buckets = Uint32Array.from([...values.keys()].sort((a, b) => a - b));
    return { buckets, values: Float32Array.from(buckets, (b) => values.get(b)!), label: tiers.indexOf(tier) };
  });
}

/**
 * A copy of `text` with the slips people make: about 2% of characters dropped, 2% doubled, 2% of
 * letters replaced, and half the copies lower-cased. Deterministic for a given generator.
 */
export function withTypos(text: string, random: () => number): string {
  let out = '';
  for (const ch of text) {
    const r = random();
    if (r < 0.02) continue;
    if (r < 0.04) out += ch + ch;
    else if (r < 0.06 && /[a-z]/i.test(ch)) out += String.fromCharCode(97 + Math.floor(random() * 26));
    else out += ch;
  }
  return random() < 0.5 ? out.toLowerCase() : out;
}

/**
 * The examples, each followed by `copies` typo-ridden copies of itself (for training only). Each
 * example's typos are seeded by its own text, so adding an example leaves the others' copies alone.
 */
export function augmentWithTypos(examples: readonly Example[], copies: number, seed: number): Example[] {
  return examples.flatMap((e) => {
    const random = seeded(seed ^ fnv1a(e.text));
    return [e, ...Array.from({ length: copies }, () => ({ ...e, text: withTypos(e.text, random) }))];
  });
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Mulberry32: a small seeded generator, so training shuffles the same way every time. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function logits(model: LinearModel, example: Encoded, out: Float64Array): Float64Array {
  const T = model.tiers.length;
  for (let t = 0; t < T; t++) out[t] = model.bias[t];
  for (let i = 0; i < example.buckets.length; i++) {
    const base = example.buckets[i] * T;
    const v = example.values[i];
    for (let t = 0; t < T; t++) out[t] += v * model.weights[base + t];
  }
  return out;
}

export function softmax(z: Float64Array, temperature = 1, out = new Float64Array(z.length)): Float64Array {
  let max = -Infinity;
  for (const v of z) if (v > max) max = v;
  let sum = 0;
  for (let t = 0; t < z.length; t++) sum += out[t] = Math.exp((z[t] - max) / temperature);
  for (let t = 0; t < z.length; t++) out[t] /= sum;
  return out;
}

export interface LogisticOptions {
  readonly epochs: number;
  /** L2 penalty per example step. */
  readonly l2: number;
  readonly learningRate: number;
  readonly seed: number;
}

/**
 * Multinomial logistic regression by AdaGrad, with the weights averaged over the last half of the
 * steps (averaging makes a small-data linear model steadier than its last iterate).
 */
export function trainLogistic(
  data: readonly Encoded[],
  tiers: readonly string[],
  spec: FeatureSpec,
  options: LogisticOptions,
): LinearModel {
  const T = tiers.length;
  const size = (1 << spec.bits) * T;
  const weights = new Float32Array(size);
  const squared = new Float32Array(size);
  const bias = new Float64Array(T);
  const biasSquared = new Float64Array(T);
  const sum = new Float64Array(size);
  const biasSum = new Float64Array(T);
  let averaged = 0;
  const order = data.map((_, i) => i);
  const random = seeded(options.seed);
  const z = new Float64Array(T);
  const p = new Float64Array(T);
  const { learningRate: rate, l2 } = options;
  const model = { tiers, spec, weights, bias };
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const index of order) {
      const example = data[index];
      softmax(logits(model, example, z), 1, p);
      for (let t = 0; t < T; t++) {
        const g = p[t] - (t === example.label ? 1 : 0);
        biasSquared[t] += g * g;
        bias[t] -= (rate * g) / Math.sqrt(biasSquared[t] + 1e-8);
        for (let i = 0; i < example.buckets.length; i++) {
          const k = example.buckets[i] * T + t;
          const gw = g * example.values[i] + l2 * weights[k];
          squared[k] += gw * gw;
          weights[k] -= (rate * gw) / Math.sqrt(squared[k] + 1e-8);
        }
      }
    }
    if (epoch >= Math.floor(options.epochs / 2)) {
      for (let k = 0; k < size; k++) sum[k] += weights[k];
      for (let t = 0; t < T; t++) biasSum[t] += bias[t];
      averaged++;
    }
  }
  return {
    tiers,
    spec,
    weights: Float32Array.from(sum, (v) => v / averaged),
    bias: Float64Array.from(biasSum, (v) => v / averaged),
  };
}

/** Multinomial naive Bayes over the same features (log-likelihoods as the linear weights). */
export function trainNaiveBayes(
  data: readonly Encoded[],
  tiers: readonly string[],
  spec: FeatureSpec,
  smoothing: number,
): LinearModel {
  const T = tiers.length;
  const buckets = 1 << spec.bits;
  const counts = new Float64Array(buckets * T);
  const totals = new Float64Array(T);
  const documents = new Float64Array(T);
  for (const example of data) {
    documents[example.label]++;
    for (let i = 0; i < example.buckets.length; i++) {
      counts[example.buckets[i] * T + example.label] += example.values[i];
      totals[example.label] += example.values[i];
    }
  }
  const weights = new Float32Array(buckets * T);
  for (let t = 0; t < T; t++) {
    const denominator = Math.log(totals[t] + smoothing * buckets);
    for (let b = 0; b < buckets; b++) weights[b * T + t] = Math.log(counts[b * T + t] + smoothing) - denominator;
  }
  return { tiers, spec, weights, bias: Float64Array.from(documents, (n) => Math.log(n / data.length)) };
}
