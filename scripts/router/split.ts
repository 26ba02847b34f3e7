import { type AuthoredPrompt, textId } from './authored';
import { nearDuplicatePairs } from './near-duplicates';

/**
 * Training, tuning and evaluation splits by source: every prompt of a source (a group of variants,
 * or a single hand-written line) and every near-duplicate of it (character 5-gram Jaccard >= 0.5)
 * land on the same side, so no split can be learnt from another's templates or paraphrases.
 * Components go to a split by a hash of their smallest source id: stable when unrelated lines are
 * added, and independent of the labels.
 */
export const SPLITS = ['train', 'tune', 'eval'] as const;
export type SplitName = (typeof SPLITS)[number];
/** Cumulative shares: 70% training, 15% tuning, 15% evaluation. */
const CUTS: Record<SplitName, number> = { train: 0.7, tune: 0.85, eval: 1 };
export const NEAR_DUPLICATE = 0.5;

export type Splits = Record<SplitName, AuthoredPrompt[]>;

class DisjointSets {
  private readonly parent: number[];
  constructor(size: number) {
    this.parent = Array.from({ length: size }, (_, i) => i);
  }
  find(i: number): number {
    while (this.parent[i] !== i) i = this.parent[i] = this.parent[this.parent[i]];
    return i;
  }
  union(a: number, b: number) {
    this.parent[this.find(a)] = this.find(b);
  }
}

export function splitPrompts(prompts: readonly AuthoredPrompt[]): Splits {
  const sets = new DisjointSets(prompts.length);
  const firstOfSource = new Map<string, number>();
  prompts.forEach(({ source }, i) => {
    const first = firstOfSource.get(source);
    if (first === undefined) firstOfSource.set(source, i);
    else sets.union(first, i);
  });
  for (const { a, b } of nearDuplicatePairs(
    prompts.map((p) => p.text),
    NEAR_DUPLICATE,
  ))
    sets.union(a, b);
  const key = new Map<number, string>();
  prompts.forEach(({ source }, i) => {
    const root = sets.find(i);
    const current = key.get(root);
    if (current === undefined || source < current) key.set(root, source);
  });
  const splits: Splits = { train: [], tune: [], eval: [] };
  prompts.forEach((prompt, i) => {
    const position = parseInt(textId(`split:${key.get(sets.find(i))}`), 16) / 2 ** 32;
    splits[SPLITS.find((name) => position < CUTS[name])!].push(prompt);
  });
  return splits;
}

/** A split as JSONL lines: {"text", "tier", "hard", "lang", "source"}. */
export function toJsonl(prompts: readonly AuthoredPrompt[]): string {
  return prompts
    .map(({ text, tier, hard, lang, source }) => JSON.stringify({ text, tier, hard, lang, source }))
    .join('\n')
    .concat('\n');
}
