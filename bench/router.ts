/**
 * Routing cost per request, beside JSON.parse of the same request body measured in the same run.
 *
 *   npx tsx bench/router.ts
 */
import { readFileSync } from 'node:fs';
import type { ClassifierModel } from '../lambda/core/policy/router/classifier';
import { readLabelledJsonl } from '../lambda/core/policy/router/dataset';
import { PromptRouter, routingSchema } from '../lambda/core/policy/router/router';

const model = JSON.parse(readFileSync('data/router/model.json', 'utf8')) as ClassifierModel;
const router = new PromptRouter(
  routingSchema.parse({
    tiers: { small: { model: 's' }, code: { model: 'c' }, reasoning: { model: 'r' }, local: { model: 'l' } },
    rules: [
      { tier: 'local', when: { features: ['hr'] } },
      { tier: 'reasoning', when: { minTokens: 20_000 } },
      { tier: 'small', when: { pattern: '^(hi|hello|thanks)\\b' } },
    ],
    classifier: { minConfidence: 0.6 },
    defaultTier: 'small',
  }),
  model,
);
const texts = readLabelledJsonl('data/router/eval.jsonl').map((e) => e.text);
const inputs = texts.map((text) => ({
  request: { model: 'auto', messages: [{ role: 'user' as const, content: text }] },
  tenant: 't',
  estimatedTokens: 100,
}));
const bodies = inputs.map((i) => JSON.stringify(i.request));

function measure(label: string, run: (i: number) => unknown, iterations = 200_000) {
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
  };
}

const rows = [
  measure('JSON.parse of the request (baseline)', (i) => JSON.parse(bodies[i])),
  measure('route decision (rules + classifier)', (i) => router.decide(inputs[i])),
];
console.log('| single thread | decisions/s | p50 (µs) | p99 (µs) |');
console.log('| --- | ---: | ---: | ---: |');
for (const r of rows)
  console.log(
    `| ${r.label} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`,
  );
