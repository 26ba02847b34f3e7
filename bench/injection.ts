/**
 * Prompt-injection detector: the time of one decision on a 2 kB text (p50, p99), beside a bare regex
 * scan of the same text measured in the same run, and the size of the model.
 *
 *   npm run bench:injection [-- --iterations 20000]
 *
 * Texts: 64 distinct 2,048-character texts cut from the tuning split (benign and injected lines run
 * together, so some windows carry an injection and some do not). Baseline and detector calls are
 * interleaved (baseline, detector, baseline, ...) so that both see the same machine.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { InjectionDetector } from '../lambda/core/guardrails/injection/detector';
import { readLabelledLines } from '../lambda/core/guardrails/injection/dataset';
import { loadInjectionModel } from '../lambda/core/guardrails/injection/model';
import { ascending, count, machineLoad, percentile, printTable } from './support/stats';

const args = process.argv.slice(2);
const iterations = Number(args.includes('--iterations') ? args[args.indexOf('--iterations') + 1] : 20_000);
const MODEL = 'data/guardrails/model.json';
const TEXT_LENGTH = 2048;

const lines = readLabelledLines('data/guardrails/tune.jsonl').map((l) => l.text);
const texts: string[] = [];
for (let start = 0; texts.length < 64; start += 7) {
  let text = '';
  for (let i = start; text.length < TEXT_LENGTH; i++) text += `${lines[i % lines.length]}\n\n`;
  texts.push(text.slice(0, TEXT_LENGTH));
}

const detector = new InjectionDetector(loadInjectionModel(MODEL));
// What a naive filter does: one case-insensitive scan for the best-known phrase.
const NAIVE = /ignore (?:all )?(?:previous|prior) instructions/i;

const baseline: number[] = [];
const subject: number[] = [];
let sink = 0;
const time = (run: () => unknown, into: number[] | undefined) => {
  const t = process.hrtime.bigint();
  if (run()) sink++;
  const elapsed = Number(process.hrtime.bigint() - t) / 1000;
  into?.push(elapsed);
};
for (let i = 0; i < iterations + 2_000; i++) {
  const text = texts[i % texts.length];
  const warm = i < 2_000;
  time(() => NAIVE.test(text), warm ? undefined : baseline);
  time(() => detector.score(text).injection, warm ? undefined : subject);
}

const row = (label: string, samples: number[]) => {
  const sorted = ascending(samples);
  const total = samples.reduce((a, b) => a + b, 0);
  return [
    label,
    count(1e6 / (total / samples.length)),
    percentile(sorted, 50).toFixed(1),
    percentile(sorted, 99).toFixed(1),
  ];
};
const modelBytes = readFileSync(MODEL);
console.log(
  `one decision on a 2,048-character text, ${count(iterations)} calls each after 2,000 warm-up; ${machineLoad()}\n`,
);
printTable(
  ['single thread', 'decisions/s', 'p50 (µs)', 'p99 (µs)'],
  [row('bare regex scan of the text (baseline)', baseline), row('injection detector (score + decision)', subject)],
);
console.log(
  `\nmodel ${MODEL}: ${count(modelBytes.length)} bytes (${count(gzipSync(modelBytes).length)} gzip), ` +
    `${count(detector.model.buckets)} n-gram buckets of one byte, ${Object.keys(detector.model.rules).length} rule weights; ` +
    `${sink} of ${count(2 * (iterations + 2_000))} calls said yes`,
);
