import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readLabelledLines } from '../../lambda/core/guardrails/injection/dataset';
import { trainInjectionModel, chooseThreshold, fitPlatt } from '../../lambda/core/guardrails/injection/train';

const dir = path.join(__dirname, '../../data/guardrails');

test('guardrails:train reproduces the committed model byte for byte from the committed data', () => {
  const model = trainInjectionModel(
    readLabelledLines(path.join(dir, 'train.jsonl')),
    readLabelledLines(path.join(dir, 'tune.jsonl')),
  );
  expect(`${JSON.stringify(model)}\n` === readFileSync(path.join(dir, 'model.json'), 'utf8')).toBe(true);
});

test('the model file stays small', () => {
  expect(readFileSync(path.join(dir, 'model.json')).length).toBeLessThan(150_000);
});

test('Platt scaling separates well-ordered logits and the threshold keeps the tuning false-positive rate', () => {
  const { a, b } = fitPlatt([-3, -2, -1, 1, 2, 3], [0, 0, 0, 1, 1, 1]);
  expect(a).toBeGreaterThan(0);
  expect(Math.abs(b)).toBeLessThan(0.5);
  const benign = Array.from({ length: 100 }, (_, i) => i / 100);
  const threshold = chooseThreshold(benign, 0.03);
  expect(benign.filter((s) => s >= threshold).length).toBeLessThanOrEqual(3);
});
