import { chooseTier, costMatrix } from './decision';

const tiers = ['code', 'local', 'reasoning', 'small'];

test('the default cost matrix: 0 on the diagonal, the penalty for a weaker tier or a local prompt sent out, 1 otherwise', () => {
  expect(costMatrix(tiers, 5)).toEqual([
    // chosen: code, local, reasoning, small
    [0, 5, 1, 5], // needs code
    [5, 0, 5, 5], // needs local: the organisation's data must not leave
    [1, 5, 0, 5], // needs reasoning
    [1, 1, 1, 0], // needs small: anything else only costs money
  ]);
});

test('cells can be overridden one by one', () => {
  expect(costMatrix(tiers, 5, { reasoning: { code: 3 }, small: { local: 0 } })[2]).toEqual([3, 5, 0, 5]);
  expect(costMatrix(tiers, 5, { small: { local: 0 } })[3]).toEqual([1, 0, 1, 0]);
});

test('the tier of least expected cost, not the most likely one', () => {
  const costs = costMatrix(tiers, 4);
  // small is the most likely, but a 40% chance of reasoning makes small cost 0.4 * 4 = 1.6 against 0.6 for reasoning.
  expect(chooseTier([0, 0, 0.4, 0.6], costs, 0)).toEqual({ index: 2, confidence: 0.6 });
  // With penalty 1 every mistake costs the same, and the most likely tier wins.
  expect(chooseTier([0, 0, 0.4, 0.6], costMatrix(tiers, 1), 0).index).toBe(3);
  // Sure enough of small, small it is.
  expect(chooseTier([0.02, 0.02, 0.06, 0.9], costs, 0).index).toBe(3);
});

test('abstains when no tier reaches the threshold', () => {
  const costs = costMatrix(tiers, 4);
  expect(chooseTier([0.3, 0.2, 0.25, 0.25], costs, 0.35)).toEqual({ index: -1, confidence: 0.3 });
  expect(chooseTier([0.35, 0.2, 0.2, 0.25], costs, 0.35).index).toBe(0);
});
