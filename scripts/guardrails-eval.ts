/**
 * Evaluates the prompt-injection detector on labelled JSONL (`{"text", "label"}` per line, other
 * fields ignored): precision, recall and the false-positive rate on benign lines, each with a Wilson
 * 95% interval, and the confusion matrix; `--kind` adds the same per `kind` field.
 *
 *   npm run guardrails:eval -- --data FILE.jsonl [--kind] [--model data/guardrails/model.json] [--threshold 0.5]
 */
import { InjectionDetector } from '../lambda/core/guardrails/injection/detector';
import { readLabelledLines } from '../lambda/core/guardrails/injection/dataset';
import { loadInjectionModel } from '../lambda/core/guardrails/injection/model';
import {
  emptyConfusion,
  falsePositiveRate,
  formatInterval,
  precision,
  recall,
  tally,
  type Confusion,
} from './guardrails/metrics';

const args = process.argv.slice(2);
const option = (name: string, fallback?: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const data = option('--data');
if (!data) {
  console.error('usage: npm run guardrails:eval -- --data FILE.jsonl [--kind] [--model FILE] [--threshold N]');
  process.exit(2);
}
const modelPath = option('--model', 'data/guardrails/model.json')!;
const model = loadInjectionModel(modelPath);
const threshold = option('--threshold');
const detector = new InjectionDetector(model, threshold ? { threshold: Number(threshold) } : {});
const lines = readLabelledLines(data);

const overall = emptyConfusion();
const byKind = new Map<string, Confusion>();
for (const line of lines) {
  const predicted = detector.score(line.text).injection;
  const actual = line.label === 'injection';
  tally(overall, actual, predicted);
  if (line.kind !== undefined) {
    if (!byKind.has(line.kind)) byKind.set(line.kind, emptyConfusion());
    tally(byKind.get(line.kind)!, actual, predicted);
  }
}

console.log(
  `injection detector on ${data}: ${lines.length} lines; model ${modelPath}, threshold ${detector.threshold}`,
);
console.log(`precision:           ${formatInterval(precision(overall))}`);
console.log(`recall:              ${formatInterval(recall(overall))}`);
console.log(`false-positive rate: ${formatInterval(falsePositiveRate(overall))}`);
console.log('(point estimate [Wilson 95% interval] (count/total))\n');
console.log('confusion matrix (rows: labelled, columns: predicted)');
console.log(`${''.padEnd(12)}${'injection'.padStart(12)}${'benign'.padStart(12)}`);
console.log(
  `${'injection'.padEnd(12)}${String(overall.truePositives).padStart(12)}${String(overall.falseNegatives).padStart(12)}`,
);
console.log(
  `${'benign'.padEnd(12)}${String(overall.falsePositives).padStart(12)}${String(overall.trueNegatives).padStart(12)}`,
);

if (args.includes('--kind')) {
  if (byKind.size === 0) console.log('\nno line carries a "kind": nothing to break down');
  else {
    console.log('\nby kind (recall on injection lines, false-positive rate on benign lines)');
    console.log(`${'kind'.padEnd(22)}${'lines'.padStart(6)}  ${'recall'.padEnd(36)}false-positive rate`);
    for (const kind of [...byKind.keys()].sort()) {
      const c = byKind.get(kind)!;
      const n = c.truePositives + c.falseNegatives + c.falsePositives + c.trueNegatives;
      console.log(
        `${kind.padEnd(22)}${String(n).padStart(6)}  ${formatInterval(recall(c)).padEnd(36)}${formatInterval(falsePositiveRate(c))}`,
      );
    }
  }
}
