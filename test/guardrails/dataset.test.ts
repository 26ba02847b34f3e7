import * as path from 'node:path';
import { readLabelledLines, type LabelledLine } from '../../lambda/core/guardrails/injection/dataset';
import { jaccard, nearDuplicatePairs, shingles } from '../../scripts/guardrails/near-duplicates';
import { assignSplits, SPLITS } from '../../scripts/guardrails/splits';

/**
 * The labelled set under data/guardrails/: big enough, balanced, varied, and split so that no source
 * template and no near-duplicate (character 5-gram Jaccard >= 0.5) sits on both sides of a split.
 */
const dir = path.join(__dirname, '../../data/guardrails');
const splits = Object.fromEntries(SPLITS.map((s) => [s, readLabelledLines(path.join(dir, `${s}.jsonl`))])) as Record<
  (typeof SPLITS)[number],
  LabelledLine[]
>;
const all = SPLITS.flatMap((s) => splits[s].map((line) => ({ ...line, split: s })));

test('at least 1,200 lines, about half benign, each with a kind and a source', () => {
  expect(all.length).toBeGreaterThanOrEqual(1200);
  const benign = all.filter((l) => l.label === 'benign').length / all.length;
  expect(benign).toBeGreaterThan(0.45);
  expect(benign).toBeLessThan(0.55);
  for (const line of all) {
    expect(typeof line.kind).toBe('string');
    expect(typeof line.source).toBe('string');
  }
});

test('the held-out split has at least 400 lines, 200 of them benign', () => {
  expect(splits.heldout.length).toBeGreaterThanOrEqual(400);
  expect(splits.heldout.filter((l) => l.label === 'benign').length).toBeGreaterThanOrEqual(200);
});

test('injections in at least six languages, through every carrier and trick the issue names', () => {
  const injections = all.filter((l) => l.label === 'injection');
  const languages = new Set(injections.map((l) => l.lang).filter((lang) => lang !== 'mixed'));
  expect(languages.size).toBeGreaterThanOrEqual(6);
  const kinds = new Set(injections.map((l) => l.kind));
  for (const kind of [
    'encoded',
    'obfuscated',
    'hidden-comment',
    'delimiter',
    'web-page',
    'email',
    'review',
    'code',
    'csv',
  ])
    expect(kinds).toContain(kind);
  const benignKinds = new Set(all.filter((l) => l.label === 'benign').map((l) => l.kind));
  for (const kind of ['security-discussion', 'prompt-engineering', 'self-correction', 'fiction', 'instructions'])
    expect(benignKinds).toContain(kind);
});

test('no source template appears in two splits', () => {
  const splitOfSource = new Map<string, string>();
  for (const line of all) {
    const seen = splitOfSource.get(line.source!);
    if (seen !== undefined)
      expect({ source: line.source, split: line.split }).toEqual({ source: line.source, split: seen });
    else splitOfSource.set(line.source!, line.split);
  }
});

test('no near-duplicate pair (character 5-gram Jaccard >= 0.5) crosses a split', () => {
  const crossing = nearDuplicatePairs(all.map((l) => l.text))
    .filter(({ a, b }) => all[a].split !== all[b].split)
    .map(({ a, b, similarity }) => ({ a: all[a].text.slice(0, 60), b: all[b].text.slice(0, 60), similarity }));
  expect(crossing).toEqual([]);
});

test('the near-duplicate search finds what an all-pairs comparison finds', () => {
  const sample = all.filter((_, i) => i % 7 === 0).map((l) => l.text);
  const sets = sample.map(shingles);
  const brute: string[] = [];
  for (let a = 0; a < sets.length; a++)
    for (let b = a + 1; b < sets.length; b++) if (jaccard(sets[a], sets[b]) >= 0.3) brute.push(`${a}-${b}`);
  const fast = nearDuplicatePairs(sample, 0.3).map(({ a, b }) => `${a}-${b}`);
  expect(fast.sort()).toEqual(brute.sort());
  expect(nearDuplicatePairs(['the same sentence here', 'the same sentence here!'])).toHaveLength(1);
});

test('the committed files are what guardrails:split makes of them: the split is reproducible', () => {
  const again = assignSplits(all.map(({ split: _split, ...line }) => ({ ...line, lang: line.lang ?? 'en' })));
  for (const split of SPLITS) expect(again[split].map((l) => l.text)).toEqual(splits[split].map((l) => l.text));
});
