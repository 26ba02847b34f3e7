/**
 * Splits the labelled injection set into training, tuning and held-out files by source template
 * (see assignSplits): data/guardrails/{train,tune,heldout}.jsonl. Deterministic and idempotent: run
 * on the three files it wrote, it writes them again unchanged; run with new lines added, existing
 * groups stay where they were unless a new line joins them.
 *
 *   npm run guardrails:split -- FILE.jsonl [FILE.jsonl ...]
 */
import { writeFileSync } from 'node:fs';
import { readLabelledLines } from '../lambda/core/guardrails/injection/dataset';
import { assignSplits, SPLITS } from './guardrails/splits';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: npm run guardrails:split -- FILE.jsonl [FILE.jsonl ...]');
  process.exit(2);
}
const splits = assignSplits(files.flatMap((file) => readLabelledLines(file)));
for (const split of SPLITS) {
  const members = splits[split];
  const body = members
    .map((m) => JSON.stringify({ text: m.text, label: m.label, kind: m.kind, source: m.source, lang: m.lang ?? 'en' }))
    .join('\n');
  writeFileSync(`data/guardrails/${split}.jsonl`, `${body}\n`);
  const benign = members.filter((m) => m.label === 'benign').length;
  console.log(`${split}: ${members.length} lines (${members.length - benign} injection, ${benign} benign)`);
}
