/**
 * Routing cost per decision over the evaluation split's prompts (3 to 300 words), beside two
 * baselines measured in the same run: JSON.parse of the same request body, and a bare scan that
 * reads every character of the prompt once (the floor for any classifier that looks at the text).
 *
 *   npx tsx bench/router.ts [--data data/router/split/eval.jsonl] [--iterations 200000]
 */
import { loadClassifierModel } from '../lambda/core/policy/router/classifier';
import { countWords, readLabelledJsonl } from '../lambda/core/policy/router/dataset';
import { PromptRouter } from '../lambda/core/policy/router/router';
import { routingSchema } from '../lambda/contract/config/routing';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const data = option('--data', 'data/router/split/eval.jsonl');
const iterations = Number(option('--iterations', '200000'));

const model = loadClassifierModel('data/router/model.json');
const router = new PromptRouter(
  routingSchema.parse({
    tiers: { small: { model: 's' }, code: { model: 'c' }, reasoning: { model: 'r' }, local: { model: 'l' } },
    rules: [
      { tier: 'local', when: { features: ['hr'] } },
      { tier: 'reasoning', when: { minTokens: 20_000 } },
      { tier: 'small', when: { pattern: '^(hi|hello|thanks)\\b' } },
    ],
    classifier: {},
    defaultTier: 'small',
  }),
  model,
);
const texts = readLabelledJsonl(data)
  .map((e) => e.text)
  .filter((text) => countWords(text) >= 3 && countWords(text) <= 300);
const inputs = texts.map((text) => ({
  request: { model: 'auto', messages: [{ role: 'user' as const, content: text }] },
  tenant: 't',
  estimatedTokens: Math.ceil(text.length / 4),
}));
const bodies = inputs.map((i) => JSON.stringify(i.request));
let sink = 0;
const scan = (text: string) => {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h + text.charCodeAt(i)) | 0;
  return h;
};

function measure(label: string, run: (i: number) => unknown) {
  for (let i = 0; i < 20_000; i++) run(i % inputs.length);
  const samples = new Float64Array(iterations);
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    run(i % inputs.length);
    samples[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  samples.sort();
  return {
    label,
    perSecond: iterations / seconds,
    p50: samples[Math.floor(iterations * 0.5)],
    p99: samples[Math.floor(iterations * 0.99)],
    max: samples[iterations - 1],
  };
}

const lengths = texts.map(countWords).sort((a, b) => a - b);
console.log(
  `${texts.length} prompts from ${data} (3-300 words: median ${lengths[lengths.length >> 1]}, max ${lengths[lengths.length - 1]}), ` +
    `${iterations.toLocaleString('en-US')} calls each after 20,000 warm-up calls\n`,
);
const rows = [
  measure('JSON.parse of the request (baseline)', (i) => JSON.parse(bodies[i])),
  measure('one pass over the prompt (baseline)', (i) => (sink ^= scan(texts[i]))),
  measure('route decision (rules + classifier)', (i) => router.decide(inputs[i])),
];
console.log('| single thread | calls/s | p50 (µs) | p99 (µs) | max (µs) |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of rows)
  console.log(
    `| ${r.label} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(0)} |`,
  );
if (sink === 42) console.log('');
