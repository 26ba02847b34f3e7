/**
 * Writes the training, tuning and evaluation splits of the hand-written router prompts.
 *
 *   npm run router:split     # data/router/source/*.txt      -> data/router/split/{train,tune}.jsonl
 *                            # data/router/eval-source/*.txt -> data/router/split/eval.jsonl (the frozen set)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readAuthored } from './router/authored';
import { SPLITS, splitPrompts, toJsonl } from './router/split';

const SOURCE = 'data/router/source';
const EVALUATION = 'data/router/eval-source';
const OUT = 'data/router/split';

const prompts = readAuthored(SOURCE);
const evaluation = readAuthored(EVALUATION);
const splits = splitPrompts(prompts, evaluation);
mkdirSync(OUT, { recursive: true });
const tiers = [...new Set(prompts.map((p) => p.tier))].sort();
for (const name of SPLITS) {
  const lines = splits[name];
  writeFileSync(path.join(OUT, `${name}.jsonl`), toJsonl(lines));
  const perTier = tiers.map((t) => `${t} ${lines.filter((p) => p.tier === t).length}`).join(', ');
  const hard = lines.filter((p) => p.hard).length;
  console.log(`${name}: ${lines.length} prompts (${perTier}; hard ${hard}) -> ${OUT}/${name}.jsonl`);
}
console.log(`\nheld out of training and tuning, as near-duplicates of evaluation lines: ${splits.heldOut.length}`);
for (const p of splits.heldOut) console.log(`  ${p.source}: ${p.text.slice(0, 100)}`);
