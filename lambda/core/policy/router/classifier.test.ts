import { SHAPE_FEATURES, extractFeatures, maxFeatures, type FeatureCounts, type FeatureSpec } from './features';
import { TierClassifier, validateClassifierModel, type ClassifierModel } from './classifier';

const features: FeatureSpec = { bits: 8, charMin: 3, charMax: 5, head: 40, tail: 20, wordBigrams: true, shape: true };

/** A model with pseudo-random int8 weights, for `tiers` tiers. */
function randomModel(tiers: number, spec: FeatureSpec = features): ClassifierModel {
  let state = 12345;
  const bytes = Int8Array.from({ length: 256 * tiers }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 24) - 128;
  });
  return {
    version: 2,
    tiers: Array.from({ length: tiers }, (_, t) => `tier${t}`),
    features: spec,
    temperature: 0.8,
    abstainBelow: 0,
    bias: Array.from({ length: tiers }, (_, t) => t / 10),
    scale: 0.01,
    weights: Buffer.from(bytes.buffer).toString('base64'),
  };
}

/**
 * The score by its definition: bias + scale * (sum of n-gram weights / sqrt(count) + shape weights),
 * or with `groupsApart` the words' and the character n-grams' sums each over the sqrt of its own count.
 */
function reference(model: ClassifierModel, text: string): number[] {
  const weights = new Int8Array(Buffer.from(model.weights, 'base64'));
  const spec = model.features;
  const out = new Uint32Array(maxFeatures(spec));
  const counts: FeatureCounts = { words: 0 };
  const n = extractFeatures(text, spec, out, counts);
  const T = model.tiers.length;
  const sum = (from: number, to: number, t: number) => {
    let total = 0;
    for (let i = from; i < to; i++) total += weights[out[i] * T + t];
    return total;
  };
  return model.tiers.map((_, t) => {
    const grams = spec.groupsApart
      ? sum(0, counts.words, t) / Math.sqrt(Math.max(1, counts.words)) +
        sum(counts.words, n, t) / Math.sqrt(Math.max(1, n - counts.words))
      : sum(0, n, t) / Math.sqrt(n);
    return model.bias[t] + model.scale * (grams + sum(n, n + SHAPE_FEATURES, t));
  });
}

const texts = [
  'How do I reset my password?',
  'Write a Go HTTP server.\n  func main() {}',
  'Zusammenfassung: Umsatz 12,3 Mio.',
  '来月の売上を教えてください',
];

test.each([
  [4, features],
  [3, features],
  [5, features],
  [4, { ...features, charMin: 2, groupsApart: true, cjkWords: true }],
  [3, { ...features, charMin: 2, groupsApart: true }],
])('scores with %i tiers and %j are the model applied by its definition', (tiers, spec) => {
  const model = randomModel(tiers, spec);
  const classifier = new TierClassifier(model);
  for (const text of texts) {
    const scores = [...classifier.scores(text)];
    reference(model, text).forEach((expected, t) => expect(scores[t]).toBeCloseTo(expected, 9));
  }
});

test('probabilities are the softmax of scores over the temperature', () => {
  const model = randomModel(4);
  const classifier = new TierClassifier(model);
  const scores = reference(model, texts[0]);
  const exp = scores.map((s) => Math.exp(s / model.temperature));
  const sum = exp.reduce((a, b) => a + b, 0);
  [...classifier.probabilities(texts[0])].forEach((p, t) => expect(p).toBeCloseTo(exp[t] / sum, 9));
});

test('a file that is not a model this code applies is named, with what is wrong', () => {
  expect(() => validateClassifierModel({ version: 1, tiers: ['a'] }, 'old.json')).toThrow(
    'old.json is not a router model written by `npm run router:train`: version 1, expected 2 (retrain it)',
  );
  expect(() => validateClassifierModel({ ...randomModel(4), bias: [0] }, 'm.json')).toThrow(
    'bias does not match tiers',
  );
  expect(() => new TierClassifier({ ...randomModel(4), weights: 'AAAA' })).toThrow('3 weight bytes, expected 1024');
});
