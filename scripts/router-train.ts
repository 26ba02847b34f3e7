/**
 * Trains the router's classifier and writes the model file the router loads: every candidate is fitted on
 * the training split and calibrated on the tuning split, the cheapest there is kept, and its abstain
 * threshold is chosen there too (scripts/router/fit.ts). The evaluation split is not read.
 *
 *   npm run router:train [-- --train data/router/split/train.jsonl --tune data/router/split/tune.jsonl
 *                            --out data/router/model.json --penalty 4 --default-tier small]
 */
import { writeFileSync } from 'node:fs';
import { readLabelledJsonl } from '../lambda/core/policy/router/dataset';
import { DEFAULT_MISROUTE_PENALTY } from '../lambda/contract/config/routing';
import { trainRouterModel } from './router/fit';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const trainFile = option('--train', 'data/router/split/train.jsonl');
const tuneFile = option('--tune', 'data/router/split/tune.jsonl');
const out = option('--out', 'data/router/model.json');

const train = readLabelledJsonl(trainFile);
const tune = readLabelledJsonl(tuneFile);
const report = trainRouterModel(train, tune, {
  misroutePenalty: Number(option('--penalty', String(DEFAULT_MISROUTE_PENALTY))),
  defaultTier: option('--default-tier', 'small'),
});
const json = `${JSON.stringify(report.model)}\n`;
writeFileSync(out, json);

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
console.log(`trained on ${train.length} examples (${trainFile}), tuned on ${tune.length} (${tuneFile})`);
console.log('\ncandidate (on the tuning split)         accuracy   cost/prompt   temperature');
for (const c of report.candidates)
  console.log(
    `${c.name.padEnd(38)}${pct(c.accuracy).padStart(10)}${c.cost.toFixed(3).padStart(14)}${c.temperature.toFixed(3).padStart(14)}`,
  );
console.log(`\n${report.chosen} under other misroute penalties (tuning split)   accuracy   code+reasoning to small`);
for (const p of report.penalties)
  console.log(`penalty ${String(p.penalty).padEnd(49)}${pct(p.accuracy).padStart(10)}${pct(p.toSmall).padStart(26)}`);
console.log(`\n${report.chosen} under other abstain thresholds (tuning split)   accuracy   cost/prompt   abstained`);
for (const t of report.thresholds)
  console.log(
    `abstain below ${t.threshold.toFixed(2).padEnd(45)}${pct(t.accuracy).padStart(10)}${t.cost.toFixed(3).padStart(14)}${pct(t.abstained).padStart(12)}`,
  );
const { temperature, abstainBelow, training } = report.model;
console.log(
  `\nchosen: ${report.chosen}; temperature ${temperature}; abstain below ${abstainBelow}; ` +
    `tuning ${JSON.stringify(training?.tuning)}\n-> ${out} (${(Buffer.byteLength(json) / 1024).toFixed(0)} kB)`,
);
