import { InjectionDetector, readText, sigmoid } from './detector';
import { featureVector, type SparseVector } from './features';
import type { InjectionModel } from './model';

/**
 * Trains the detector's model: logistic regression by AdaGrad over a seeded, fixed order (same data,
 * same bytes), classes weighted to balance, L2-regularised; then quantised, calibrated (Platt) on the
 * tuning split through the very scoring path that ships, and the threshold chosen on that split: the
 * lowest that keeps the tuning false-positive rate within `targetFalsePositiveRate`.
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
      signals: reading.signals,
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
  return round(Math.min(0.95, Math.max(0.05, ceiling + 1e-4)), 4);
}

export function trainInjectionModel(
  train: readonly LabelledText[],
  tune: readonly LabelledText[],
  options: TrainingOptions = {},
): InjectionModel {
  const buckets = options.buckets ?? 1 << 16;
  const epochs = options.epochs ?? 30;
  const learningRate = options.learningRate ?? 0.5;
  const l2 = options.l2 ?? 1e-4;
  const window = options.window ?? { size: 600, step: 300 };
  const mask = buckets - 1;
  const data = encode(train, mask, window);

  const weights = new Float64Array(buckets);
  const squares = new Float64Array(buckets).fill(1e-8);
  const ruleWeights = new Map<string, number>();
  const ruleSquares = new Map<string, number>();
  let bias = 0;
  let biasSquare = 1e-8;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const i of shuffled(data.length, 0x5eed + epoch)) {
      const { vector, signals, y, weight } = data[i];
      let z = bias;
      for (const k of vector.indices) z += weights[k] * vector.value;
      for (const id of signals) z += ruleWeights.get(id) ?? 0;
      const g = (sigmoid(z) - y) * weight;
      for (const k of vector.indices) {
        const grad = g * vector.value + l2 * weights[k];
        squares[k] += grad * grad;
        weights[k] -= (learningRate * grad) / Math.sqrt(squares[k]);
      }
      for (const id of signals) {
        const w = ruleWeights.get(id) ?? 0;
        const grad = g + l2 * w;
        const square = (ruleSquares.get(id) ?? 1e-8) + grad * grad;
        ruleSquares.set(id, square);
        ruleWeights.set(id, w - (learningRate * grad) / Math.sqrt(square));
      }
      biasSquare += g * g;
      bias -= (learningRate * g) / Math.sqrt(biasSquare);
    }
  }

  let largest = 0;
  for (const w of weights) largest = Math.max(largest, Math.abs(w));
  const scale = round(largest / 127 || 1e-6, 8);
  const bytes = new Int8Array(buckets);
  for (let k = 0; k < buckets; k++) bytes[k] = Math.max(-127, Math.min(127, Math.round(weights[k] / scale)));
  const rules: Record<string, number> = {};
  for (const id of [...ruleWeights.keys()].sort()) rules[id] = round(ruleWeights.get(id)!, 4);

  const uncalibrated: InjectionModel = {
    version: 1,
    buckets,
    scale,
    weights: Buffer.from(bytes.buffer).toString('base64'),
    rules,
    bias: round(bias, 4),
    calibration: { a: 1, b: 0 },
    threshold: 0.5,
    window,
  };
  const detector = new InjectionDetector(uncalibrated);
  const logits = tune.map((example) => detector.logit(readText(example.text, window)));
  const labels = tune.map((example) => (example.label === 'injection' ? 1 : 0));
  const calibration = fitPlatt(logits, labels);
  const benign = logits
    .filter((_, i) => labels[i] === 0)
    .map((logit) => sigmoid(calibration.a * logit + calibration.b));
  const threshold = chooseThreshold(benign, options.targetFalsePositiveRate ?? 0.01);
  return { ...uncalibrated, calibration, threshold };
}
