/**
 * Splits the labelled injection set into training, tuning and held-out files by source template:
 * lines that share a `source`, or whose character 5-gram Jaccard similarity is 0.5 or more, form one
 * group, and a group goes whole to one split, chosen by a hash of its first source id (so adding lines
 * never moves an existing group unless it joins one). Writes data/guardrails/{train,tune,heldout}.jsonl.
 *
 *   npm run guardrails:split -- FILE.jsonl [FILE.jsonl ...]
 */
import { writeFileSync } from 'node:fs';
import { readLabelledLines, type LabelledLine } from '../lambda/core/guardrails/injection/dataset';
import { nearDuplicatePairs } from './guardrails/near-duplicates';
import { SPLITS, splitOf } from './guardrails/splits';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: npm run guardrails:split -- FILE.jsonl [FILE.jsonl ...]');
  process.exit(2);
}
const lines: LabelledLine[] = files.flatMap((file) => readLabelledLines(file));
const missing = lines.findIndex((line) => !line.source || !line.kind);
if (missing >= 0) throw new Error(`line ${missing + 1} has no "source" or "kind"`);

const parent = lines.map((_, i) => i);
const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
const union = (a: number, b: number) => {
  const [ra, rb] = [find(a), find(b)];
  if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
};
const firstOfSource = new Map<string, number>();
lines.forEach((line, i) => {
  const first = firstOfSource.get(line.source!);
  if (first === undefined) firstOfSource.set(line.source!, i);
  else union(first, i);
});
const pairs = nearDuplicatePairs(lines.map((line) => line.text));
for (const { a, b } of pairs) union(a, b);

const groupKey = new Map<number, string>();
lines.forEach((line, i) => {
  const root = find(i);
  const key = groupKey.get(root);
  if (key === undefined || line.source! < key) groupKey.set(root, line.source!);
});
const bySplit = new Map(SPLITS.map((split) => [split, [] as LabelledLine[]]));
lines.forEach((line, i) => bySplit.get(splitOf(groupKey.get(find(i))!))!.push(line));

for (const [split, members] of bySplit) {
  members.sort((x, y) => (x.source! < y.source! ? -1 : x.source! > y.source! ? 1 : 0));
  const body = members
    .map((m) => JSON.stringify({ text: m.text, label: m.label, kind: m.kind, source: m.source, lang: m.lang ?? 'en' }))
    .join('\n');
  writeFileSync(`data/guardrails/${split}.jsonl`, `${body}\n`);
  const benign = members.filter((m) => m.label === 'benign').length;
  console.log(`${split}: ${members.length} lines (${members.length - benign} injection, ${benign} benign)`);
}
console.log(`${pairs.length} near-duplicate pairs joined their groups; ${new Set(groupKey.values()).size} groups`);
