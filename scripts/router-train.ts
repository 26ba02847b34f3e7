/**
 * Trains the router's classifier from labelled JSONL and writes the model file the router loads.
 *
 *   npm run router:train [-- --data data/router/starter.jsonl --out data/router/model.json]
 */
import { writeFileSync } from 'node:fs';
import { trainClassifier } from '../lambda/core/policy/router/classifier';
import { readLabelledJsonl } from '../lambda/core/policy/router/dataset';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const data = option('--data', 'data/router/starter.jsonl');
const out = option('--out', 'data/router/model.json');

const examples = readLabelledJsonl(data);
const model = trainClassifier(examples);
writeFileSync(out, `${JSON.stringify(model)}\n`);
const perTier = model.tiers.map((tier) => `${tier} ${examples.filter((e) => e.tier === tier).length}`).join(', ');
console.log(
  `trained on ${examples.length} examples (${perTier}); ${Object.keys(model.logLikelihoods).length} features -> ${out}`,
);
