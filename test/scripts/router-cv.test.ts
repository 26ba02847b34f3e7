import type { Candidate } from '../../scripts/router/fit';
import { crossValidate } from '../../scripts/router/cross-validate';
import { seeded } from '../../scripts/router/train';

const tiny: Candidate = {
  name: 'tiny logistic',
  features: { bits: 12, charMin: 3, charMax: 5, head: 100, tail: 50, wordBigrams: true, shape: false },
  fit: { kind: 'logistic', options: { epochs: 10, l2: 0, learningRate: 0.3, seed: 1 } },
};

test('folds keep a source and its near-duplicates together: random labels on repeated lines are not memorised', () => {
  // Every source is one nonsense line written twice under a random label. Had a fold held one copy
  // and trained on the other, the model would recall it and score near 100%; kept together, it can
  // only guess.
  const random = seeded(42);
  const word = () => Array.from({ length: 6 }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join('');
  const tiers = ['code', 'local', 'reasoning', 'small'];
  const examples = Array.from({ length: 120 }, (_, i) => {
    const text = `${word()} ${word()} ${word()} ${word()}`;
    const tier = tiers[Math.floor(random() * 4)];
    return [0, 1].map(() => ({ text, tier, hard: false, source: `s/${i}` }));
  }).flat();
  const [result] = crossValidate(examples, { folds: 4, misroutePenalty: 1, candidates: [tiny] });
  expect(result.name).toBe('tiny logistic');
  expect(result.accuracy).toBeLessThan(0.45);
  expect(result.logLoss).toBeGreaterThan(1);
});
