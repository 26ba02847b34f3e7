import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { countWords, readLabelledJsonl } from '../../lambda/core/policy/router/dataset';
import { readAuthored } from '../../scripts/router/authored';
import { nearDuplicatePairs } from '../../scripts/router/near-duplicates';
import { NEAR_DUPLICATE, SPLITS, splitPrompts, toJsonl, type SplitName } from '../../scripts/router/split';

/**
 * The router's data: hand-written sources for training and tuning, an evaluation set written apart
 * and frozen, and splits that share no source and no near-duplicate.
 */
const DATA = path.join(__dirname, '../../data/router');
const authored = readAuthored(path.join(DATA, 'source'));
const evaluation = readAuthored(path.join(DATA, 'eval-source'));
const committed = Object.fromEntries(
  SPLITS.map((name) => [name, readFileSync(path.join(DATA, 'split', `${name}.jsonl`), 'utf8')]),
) as Record<SplitName, string>;
const lines = SPLITS.flatMap((split) =>
  committed[split]
    .trim()
    .split('\n')
    .map((line) => ({
      split,
      ...(JSON.parse(line) as { text: string; tier: string; hard: boolean; lang: string; source: string }),
    })),
);

test('the committed splits are what `npm run router:split` makes of data/router/source', () => {
  const splits = splitPrompts(authored, evaluation);
  for (const name of SPLITS) expect(committed[name]).toBe(toJsonl(splits[name]));
});

/**
 * The evaluation set was written before the model it judges was chosen, and no line of it has been
 * changed since: changing it is a deliberate act that must update this fingerprint, and
 * data/router/README.md says why (a set edited after its results were seen is no longer held out).
 */
const FROZEN_EVALUATION_SHA256 = '24eafdf8f7c75942551b69c8b84a0f5ddc671bada0af08920aad9f788cbe8145';
test('the evaluation split is the frozen set in data/router/eval-source, whole', () => {
  const dir = path.join(DATA, 'eval-source');
  const hash = createHash('sha256');
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.txt'))
    .sort())
    hash.update(`${name}\n`).update(readFileSync(path.join(dir, name)));
  expect(hash.digest('hex')).toBe(FROZEN_EVALUATION_SHA256);
  expect(lines.filter((l) => l.split === 'eval').map((l) => l.text)).toEqual(evaluation.map((p) => p.text));
});

test('no source (template or group) is in two splits', () => {
  const splitOf = new Map<string, string>();
  const shared = lines.filter(({ source, split }) => splitOf.has(source) && splitOf.get(source) !== split);
  for (const { source, split } of lines) splitOf.set(source, split);
  expect(shared).toEqual([]);
});

test('no pair across splits is a near-duplicate (character 5-gram Jaccard >= 0.5)', () => {
  const pairs = nearDuplicatePairs(
    lines.map((l) => l.text),
    NEAR_DUPLICATE,
  ).filter(({ a, b }) => lines[a].split !== lines[b].split);
  expect(pairs.map(({ a, b, similarity }) => `${similarity.toFixed(2)}: ${lines[a].text} | ${lines[b].text}`)).toEqual(
    [],
  );
});

test('nothing trained or tuned on near-duplicates a line of the old held-out file data/router/eval.jsonl', () => {
  const old = readLabelledJsonl(path.join(DATA, 'eval.jsonl')).map((e) => e.text);
  const used = lines.filter((l) => l.split !== 'eval');
  const pairs = nearDuplicatePairs([...old, ...used.map((l) => l.text)], NEAR_DUPLICATE).filter(
    ({ a, b }) => a < old.length && b >= old.length,
  );
  expect(pairs.map(({ a, b }) => `${old[a]} | ${used[b - old.length].text}`)).toEqual([]);
});

test('what the issue asks of the data: 2,000+ prompts of 3 to 300 words, 5+ languages, a quarter hard, every tier', () => {
  expect(lines.length).toBeGreaterThanOrEqual(2000);
  expect(new Set(lines.filter((l) => l.split === 'eval').map((l) => l.lang)).size).toBeGreaterThanOrEqual(5);
  expect(lines.filter((l) => l.split === 'eval').length).toBeGreaterThanOrEqual(600);
  expect(lines.filter((l) => countWords(l.text) < 3 || countWords(l.text) > 300).map((l) => l.text)).toEqual([]);
  const languages = new Set(lines.map((l) => l.lang));
  expect(languages.size).toBeGreaterThanOrEqual(5);
  expect(lines.filter((l) => l.hard).length / lines.length).toBeGreaterThanOrEqual(0.25);
  for (const split of SPLITS) {
    const ofSplit = lines.filter((l) => l.split === split);
    expect(new Set(ofSplit.map((l) => l.tier))).toEqual(new Set(['code', 'local', 'reasoning', 'small']));
    expect(ofSplit.filter((l) => l.hard).length / ofSplit.length).toBeGreaterThanOrEqual(0.25);
  }
});
