/**
 * Evaluates the router's classifier on labelled JSONL: accuracy, a confusion matrix, and the cost of
 * the tiers it chose against sending everything to the largest tier.
 *
 *   npm run router:eval -- --data data/router/eval.jsonl [--model data/router/model.json]
 *
 * Cost method: each example is priced as if it had the same tokens (its prompt estimate plus
 * `--output` tokens of answer, default 400) at the per-million prices of the tier's model below;
 * the ratio, not the absolute figure, is the point.
 */
import { readFileSync } from 'node:fs';
import { classify, type ClassifierModel } from '../lambda/core/policy/router/classifier';
import { readLabelledJsonl } from '../lambda/core/policy/router/dataset';

const args = process.argv.slice(2);
const option = (name: string, fallback?: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const data = option('--data');
if (!data) {
  console.error('usage: npm run router:eval -- --data FILE.jsonl [--model data/router/model.json] [--output 400]');
  process.exit(2);
}
const model = JSON.parse(readFileSync(option('--model', 'data/router/model.json')!, 'utf8')) as ClassifierModel;
const outputTokens = Number(option('--output', '400'));

/** Illustrative prices (micro-dollars per million tokens, input/output) of the model behind each tier. */
const TIER_PRICES: Record<string, { input: number; output: number }> = {
  small: { input: 150_000, output: 600_000 },
  code: { input: 1_250_000, output: 10_000_000 },
  reasoning: { input: 3_000_000, output: 15_000_000 },
  local: { input: 50_000, output: 50_000 },
};
const LARGEST = 'reasoning';

const examples = readLabelledJsonl(data);
const tiers = model.tiers;
const matrix = tiers.map(() => tiers.map(() => 0));
let correct = 0;
let routedCost = 0;
let largestCost = 0;
const cost = (tier: string, text: string) => {
  const price = TIER_PRICES[tier] ?? TIER_PRICES[LARGEST];
  return (Math.ceil(text.length / 4) * price.input + outputTokens * price.output) / 1e6;
};
for (const example of examples) {
  const predicted = classify(model, example.text).tier;
  matrix[tiers.indexOf(example.tier)][tiers.indexOf(predicted)]++;
  if (predicted === example.tier) correct++;
  routedCost += cost(predicted, example.text);
  largestCost += cost(LARGEST, example.text);
}

const width = Math.max(10, ...tiers.map((t) => t.length)) + 2;
console.log(`router classifier on ${data}: ${examples.length} examples`);
console.log(`accuracy: ${((100 * correct) / examples.length).toFixed(1)}% (${correct}/${examples.length})\n`);
console.log('confusion matrix (rows: labelled, columns: predicted)');
console.log(''.padEnd(width) + tiers.map((t) => t.padStart(width)).join(''));
tiers.forEach((tier, i) => console.log(tier.padEnd(width) + matrix[i].map((n) => String(n).padStart(width)).join('')));
console.log(
  `\ncost of the chosen tiers: $${(routedCost / 1e6).toFixed(6)} vs always "${LARGEST}": $${(largestCost / 1e6).toFixed(6)} ` +
    `(${((100 * routedCost) / largestCost).toFixed(1)}%, saving ${(100 - (100 * routedCost) / largestCost).toFixed(1)}%)`,
);
