/**
 * Trains the prompt-injection detector from the committed labelled set and writes its model file:
 * weights from the training split, calibration and threshold from the tuning split. The held-out
 * split is never read here. Same data, same bytes (a test checks it).
 *
 *   npm run guardrails:train [-- --train data/guardrails/train.jsonl --tune data/guardrails/tune.jsonl --out data/guardrails/model.json]
 */
import { writeFileSync } from 'node:fs';
import { readLabelledLines } from '../lambda/core/guardrails/injection/dataset';
import { trainInjectionModel } from '../lambda/core/guardrails/injection/train';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const trainPath = option('--train', 'data/guardrails/train.jsonl');
const tunePath = option('--tune', 'data/guardrails/tune.jsonl');
const out = option('--out', 'data/guardrails/model.json');

const train = readLabelledLines(trainPath);
const tune = readLabelledLines(tunePath);
const model = trainInjectionModel(train, tune);
const body = `${JSON.stringify(model)}\n`;
writeFileSync(out, body);
console.log(
  `trained on ${train.length} lines, calibrated on ${tune.length}; threshold ${model.threshold}, ` +
    `${Object.keys(model.rules).length} rule weights, ${model.buckets} n-gram buckets -> ${out} (${body.length} bytes)`,
);
