import { emptyConfusion, falsePositiveRate, precision, recall, tally, wilson } from '../../scripts/guardrails/metrics';

test('Wilson 95% intervals match published values', () => {
  const half = wilson(5, 10);
  expect(half.estimate).toBe(0.5);
  expect(half.low).toBeCloseTo(0.2366, 4);
  expect(half.high).toBeCloseTo(0.7634, 4);
  const none = wilson(0, 10);
  expect(none.low).toBe(0);
  expect(none.high).toBeCloseTo(0.2775, 4);
  expect(wilson(0, 0).estimate).toBeNaN();
});

test('precision, recall and the false-positive rate come from the confusion matrix', () => {
  const c = emptyConfusion();
  for (const [actual, predicted] of [
    [true, true],
    [true, true],
    [true, false],
    [false, true],
    [false, false],
    [false, false],
    [false, false],
  ] as const)
    tally(c, actual, predicted);
  expect(c).toEqual({ truePositives: 2, falseNegatives: 1, falsePositives: 1, trueNegatives: 3 });
  expect(precision(c).estimate).toBeCloseTo(2 / 3);
  expect(recall(c).estimate).toBeCloseTo(2 / 3);
  expect(falsePositiveRate(c).estimate).toBeCloseTo(1 / 4);
});
