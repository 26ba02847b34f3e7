/**
 * Cross-validates the router's candidate models over the training and tuning splits together
 * (scripts/router/cross-validate.ts): how the candidates `router:train` compares were narrowed,
 * beside the variants set aside. Takes several minutes.
 *
 *   npm run router:cv [-- --folds 5 --penalty 3]
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_MISROUTE_PENALTY } from '../lambda/contract/config/routing';
import { crossValidate } from './router/cross-validate';
import { CANDIDATES, SET_ASIDE } from './router/fit';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const folds = Number(option('--folds', '5'));
const misroutePenalty = Number(option('--penalty', String(DEFAULT_MISROUTE_PENALTY)));
// The splits' own lines, with their sources: a source and its near-duplicates stay in one fold.
const examples = ['train', 'tune'].flatMap((name) =>
  readFileSync(`data/router/split/${name}.jsonl`, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { text: string; tier: string; hard: boolean; source: string }),
);

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
console.log(
  `${folds}-fold cross-validation over ${examples.length} training and tuning prompts (penalty ${misroutePenalty})\n`,
);
console.log(
  'candidate                               accuracy  hard lines  cost/prompt  code+reasoning to small  log loss',
);
for (const r of crossValidate(examples, { folds, misroutePenalty, candidates: [...CANDIDATES, ...SET_ASIDE] }))
  console.log(
    `${r.name.padEnd(38)}${pct(r.accuracy).padStart(9)}${pct(r.hard).padStart(12)}${r.cost.toFixed(3).padStart(13)}` +
      `${pct(r.toSmall).padStart(25)}${r.logLoss.toFixed(3).padStart(10)}`,
  );
