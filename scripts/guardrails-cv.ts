/**
 * Five-fold cross-validation of the injection detector over the training and tuning splits, folds by
 * source template: each fold is scored by a model trained on the other four, its threshold set on the
 * fold for a 3% false-positive rate, so the pooled recall is "recall at 3% FPR on templates never
 * trained on". What features and settings are chosen by; the held-out split is never read.
 *
 *   npm run guardrails:cv [-- --kind]
 */
import { readLabelledLines, type LabelledLine } from '../lambda/core/guardrails/injection/dataset';
import { InjectionDetector } from '../lambda/core/guardrails/injection/detector';
import { trainInjectionModel } from '../lambda/core/guardrails/injection/train';
import { emptyConfusion, falsePositiveRate, formatInterval, recall, tally, type Confusion } from './guardrails/metrics';

const FOLDS = 5;
const fold = (key: string) => {
  let hash = 0x9e3779b9;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % FOLDS;
};
const lines: LabelledLine[] = ['train', 'tune'].flatMap((s) => readLabelledLines(`data/guardrails/${s}.jsonl`));
const overall = emptyConfusion();
const byKind = new Map<string, Confusion>();
for (let f = 0; f < FOLDS; f++) {
  const inFold = (l: LabelledLine) => fold(l.source ?? l.text) === f;
  const model = trainInjectionModel(
    lines.filter((l) => !inFold(l)),
    lines.filter(inFold),
    process.env.CV_OPTIONS ? (JSON.parse(process.env.CV_OPTIONS) as object) : {},
  );
  const detector = new InjectionDetector(model);
  for (const line of lines.filter(inFold)) {
    const predicted = detector.score(line.text).injection;
    tally(overall, line.label === 'injection', predicted);
    if (process.env.CV_DUMP && predicted !== (line.label === 'injection'))
      console.error(JSON.stringify({ label: line.label, kind: line.kind, text: line.text.slice(0, 300) }));
    const kind = `${line.kind}`;
    if (!byKind.has(kind)) byKind.set(kind, emptyConfusion());
    tally(byKind.get(kind)!, line.label === 'injection', predicted);
  }
  console.error(`fold ${f}: threshold ${model.threshold}`);
}
console.log(`cross-validated over ${lines.length} lines (train + tune), ${FOLDS} folds by source`);
console.log(`recall:              ${formatInterval(recall(overall))}`);
console.log(`false-positive rate: ${formatInterval(falsePositiveRate(overall))}`);
if (process.argv.includes('--kind'))
  for (const kind of [...byKind.keys()].sort()) {
    const c = byKind.get(kind)!;
    console.log(`${kind.padEnd(22)}${formatInterval(recall(c)).padEnd(36)}${formatInterval(falsePositiveRate(c))}`);
  }
