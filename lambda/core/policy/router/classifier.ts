import { readFileSync } from 'node:fs';
import { SHAPE_FEATURES, extractFeatures, maxFeatures, type FeatureCounts, type FeatureSpec } from './features';

/**
 * The router's classifier: a linear model over hashed character and word n-grams (features.ts),
 * whose scores a temperature turns into calibrated tier probabilities. `npm run router:train`
 * writes it (scripts/router/train.ts chooses the candidate and the temperature on the tuning split);
 * this file only applies it, in a few microseconds and without allocating.
 */
export interface ClassifierModel {
  readonly version: 2;
  /** Tier names, in the order of the weights and probabilities. */
  readonly tiers: readonly string[];
  readonly features: FeatureSpec;
  /** Scores are divided by this before the softmax (temperature scaling, fitted on the tuning split). */
  readonly temperature: number;
  /**
   * The top probability below which the router abstains (sends the default tier), chosen on the
   * tuning split; a routing config's `classifier.minConfidence` overrides it.
   */
  readonly abstainBelow: number;
  readonly bias: readonly number[];
  /** weight = int8 value * scale. */
  readonly scale: number;
  /** Base64 of the int8 weights, bucket-major: weights[bucket * tiers + tier]. */
  readonly weights: string;
  /** How the model was chosen and trained: provenance for a reader, unused at run time. */
  readonly training?: Readonly<Record<string, unknown>>;
}

/** Applies a model: probabilities by tier index. One instance per model; not re-entrant. */
export class TierClassifier {
  readonly tiers: readonly string[];
  private readonly spec: FeatureSpec;
  /** For four tiers, each bucket's four int8 weights packed in one int32: one memory read per feature. */
  private readonly packed?: Int32Array;
  private readonly quantised: Int8Array;
  private readonly scale: number;
  private readonly bias: Float64Array;
  private readonly inverseTemperature: number;
  private readonly features: Uint32Array;
  private readonly counts: FeatureCounts = { words: 0 };
  /** Per-group sums of the int8 weights, tier by tier: words, then character n-grams. */
  private readonly sums: Int32Array;

  constructor(readonly model: ClassifierModel) {
    this.tiers = model.tiers;
    this.spec = model.features;
    const bytes = Buffer.from(model.weights, 'base64');
    const expected = (1 << model.features.bits) * model.tiers.length;
    if (bytes.length !== expected)
      throw new Error(`router model: ${bytes.length} weight bytes, expected ${expected} (2^bits x tiers)`);
    this.quantised = Int8Array.from(bytes);
    this.scale = model.scale;
    if (model.tiers.length === 4) {
      const q = this.quantised;
      this.packed = new Int32Array(q.length / 4).map(
        (_, b) =>
          (q[4 * b] & 0xff) | ((q[4 * b + 1] & 0xff) << 8) | ((q[4 * b + 2] & 0xff) << 16) | (q[4 * b + 3] << 24),
      );
    }
    this.bias = Float64Array.from(model.bias);
    this.inverseTemperature = 1 / model.temperature;
    this.features = new Uint32Array(maxFeatures(model.features));
    this.sums = new Int32Array(2 * model.tiers.length);
  }

  /** The model's raw score for each tier (same order as `tiers`), written into `out`. */
  scores(text: string, out: Float64Array = new Float64Array(this.tiers.length)): Float64Array {
    const { features, counts, sums } = this;
    const tiers = this.tiers.length;
    const n = extractFeatures(text, this.spec, features, counts);
    const end = this.spec.shape ? n + SHAPE_FEATURES : n;
    // n-grams scaled by 1/sqrt(their count), so a long prompt is not more confident for being long;
    // with `groupsApart`, words and character n-grams each by their own count.
    const apart = this.spec.groupsApart === true;
    const split = apart ? counts.words : n;
    this.sum(0, split, 0);
    this.sum(split, n, tiers);
    const wordScale = this.scale / Math.sqrt(Math.max(1, split));
    const charScale = apart ? this.scale / Math.sqrt(Math.max(1, n - split)) : wordScale;
    for (let t = 0; t < tiers; t++) out[t] = this.bias[t] + sums[t] * wordScale + sums[tiers + t] * charScale;
    for (let i = n; i < end; i++) {
      const base = features[i] * tiers;
      for (let t = 0; t < tiers; t++) out[t] += this.quantised[base + t] * this.scale;
    }
    return out;
  }

  /** Integer sums of the int8 weights of features [from, to), into sums[at..at + tiers). */
  private sum(from: number, to: number, at: number) {
    const { features, quantised, packed, sums } = this;
    const tiers = this.tiers.length;
    if (packed) {
      let a = 0, b = 0, c = 0, d = 0; // prettier-ignore
      for (let i = from; i < to; i++) {
        const w = packed[features[i]];
        a += (w << 24) >> 24;
        b += (w << 16) >> 24;
        c += (w << 8) >> 24;
        d += w >> 24;
      }
      sums[at] = a;
      sums[at + 1] = b;
      sums[at + 2] = c;
      sums[at + 3] = d;
      return;
    }
    for (let t = 0; t < tiers; t++) sums[at + t] = 0;
    for (let i = from; i < to; i++) {
      const base = features[i] * tiers;
      for (let t = 0; t < tiers; t++) sums[at + t] += quantised[base + t];
    }
  }

  /** Calibrated probability of each tier (same order as `tiers`), written into `out`. */
  probabilities(text: string, out: Float64Array = new Float64Array(this.tiers.length)): Float64Array {
    return softmax(this.scores(text, out), this.inverseTemperature);
  }
}

/** In place: exp(scores * inverseTemperature), normalised. */
export function softmax(scores: Float64Array, inverseTemperature = 1): Float64Array {
  let max = -Infinity;
  for (let t = 0; t < scores.length; t++) if (scores[t] > max) max = scores[t];
  let sum = 0;
  for (let t = 0; t < scores.length; t++) sum += scores[t] = Math.exp((scores[t] - max) * inverseTemperature);
  for (let t = 0; t < scores.length; t++) scores[t] /= sum;
  return scores;
}

/** Checks that parsed JSON is a model this code can apply; names what is wrong. */
export function validateClassifierModel(value: unknown, where: string): ClassifierModel {
  const model = value as Partial<ClassifierModel> | null;
  const fail = (what: string): never => {
    throw new Error(`${where} is not a router model written by \`npm run router:train\`: ${what}`);
  };
  if (!model || typeof model !== 'object') return fail('not a JSON object');
  if (model.version !== 2) return fail(`version ${String(model.version)}, expected 2 (retrain it)`);
  if (!Array.isArray(model.tiers) || model.tiers.length < 2) return fail('no tiers');
  if (!Array.isArray(model.bias) || model.bias.length !== model.tiers.length) return fail('bias does not match tiers');
  if (typeof model.weights !== 'string' || typeof model.scale !== 'number') return fail('no weights');
  if (!(typeof model.temperature === 'number' && model.temperature > 0)) return fail('no temperature');
  if (!(typeof model.abstainBelow === 'number' && model.abstainBelow >= 0 && model.abstainBelow <= 1))
    return fail('no abstain threshold');
  const f = model.features;
  if (!f || !(f.bits >= 8 && f.bits <= 24) || !(f.charMin >= 1 && f.charMax >= f.charMin && f.charMax <= 8))
    return fail('bad feature spec');
  return model as ClassifierModel;
}

/** Reads a model file written by `npm run router:train`. */
export function loadClassifierModel(path: string): ClassifierModel {
  return validateClassifierModel(JSON.parse(readFileSync(path, 'utf8')), path);
}
