import { type AuthoredPrompt, textId } from './authored';
import { nearDuplicatePairs } from './near-duplicates';

/**
 * Training, tuning and evaluation splits. The evaluation split is a set written on its own and
 * frozen before the model it judges was chosen (data/router/eval-source/); training and tuning share
 * data/router/source/ by source: every prompt of a source (a group of variants, or a single
 * hand-written line) and every near-duplicate of it (character 5-gram Jaccard >= 0.5) land on the
 * same side, so neither can be learnt from the other's templates or paraphrases. Components go to a
 * side by a hash of their smallest source id: stable when unrelated lines are added, and independent
 * of the labels. A component that near-duplicates an evaluation line is held out of both (the
 * evaluation set is the fixed point, training data yields to it).
 */
export const SPLITS = ['train', 'tune', 'eval'] as const;
export type SplitName = (typeof SPLITS)[number];
/** Share of the training sources' components that go to training; the rest tune. */
const TRAIN_SHARE = 0.8;
export const NEAR_DUPLICATE = 0.5;

export type Splits = Record<SplitName, AuthoredPrompt[]> & {
  /** Training-source lines left out because they near-duplicate an evaluation line. */
  readonly heldOut: AuthoredPrompt[];
};

export class DisjointSets {
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

/**
 * The components of prompts that must stay on one side of any split: those of one source, and
 * near-duplicates (character 5-gram Jaccard >= 0.5), transitively.
 */
export function sourceComponents(prompts: readonly { readonly text: string; readonly source: string }[]): DisjointSets {
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
  return sets;
}

/** `sources`: the training and tuning pool; `evaluation`: the frozen evaluation set, kept whole. */
export function splitPrompts(sources: readonly AuthoredPrompt[], evaluation: readonly AuthoredPrompt[]): Splits {
  const evalSources = new Set(evaluation.map((p) => p.source));
  const shared = [...new Set(sources.map((p) => p.source))].filter((s) => evalSources.has(s));
  if (shared.length > 0) throw new Error(`groups in both the training sources and the evaluation set: ${shared}`);
  const prompts = [...evaluation, ...sources];
  const sets = sourceComponents(prompts);
  const touchesEval = new Set(evaluation.map((_, i) => sets.find(i)));
  const key = new Map<number, string>();
  prompts.forEach(({ source }, i) => {
    const root = sets.find(i);
    const current = key.get(root);
    if (current === undefined || source < current) key.set(root, source);
  });
  const splits: Splits = { train: [], tune: [], eval: [...evaluation], heldOut: [] };
  sources.forEach((prompt, j) => {
    const root = sets.find(evaluation.length + j);
    if (touchesEval.has(root)) return void splits.heldOut.push(prompt);
    const position = parseInt(textId(`split:${key.get(root)}`), 16) / 2 ** 32;
    splits[position < TRAIN_SHARE ? 'train' : 'tune'].push(prompt);
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
