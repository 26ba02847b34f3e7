import { createHash } from 'node:crypto';
import type { LabelledLine } from '../../lambda/core/guardrails/injection/dataset';
import { nearDuplicatePairs } from './near-duplicates';

export const SPLITS = ['train', 'tune', 'heldout'] as const;
export type Split = (typeof SPLITS)[number];

/** A group's split from a hash of its key: about 60% training, 15% tuning, 25% held out. */
export function splitOf(groupKey: string): Split {
  const bucket = createHash('sha256').update(groupKey).digest().readUInt32BE(0) % 100;
  return bucket < 60 ? 'train' : bucket < 75 ? 'tune' : 'heldout';
}

/**
 * Groups lines that share a `source`, or whose character 5-gram Jaccard similarity is 0.5 or more
 * (transitively), and sends each group whole to the split its first source id hashes to. Adding
 * lines never moves an existing group unless a new line joins it to another. Within a split, lines
 * are ordered by source, keeping their order inside a source.
 */
export function assignSplits(lines: readonly LabelledLine[]): Record<Split, LabelledLine[]> {
  const parent = lines.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const union = (a: number, b: number) => {
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const firstOfSource = new Map<string, number>();
  lines.forEach((line, i) => {
    if (!line.source || !line.kind) throw new Error(`line ${i + 1} has no "source" or "kind"`);
    const first = firstOfSource.get(line.source);
    if (first === undefined) firstOfSource.set(line.source, i);
    else union(first, i);
  });
  for (const { a, b } of nearDuplicatePairs(lines.map((line) => line.text))) union(a, b);

  const groupKey = new Map<number, string>();
  lines.forEach((line, i) => {
    const root = find(i);
    const key = groupKey.get(root);
    if (key === undefined || line.source! < key) groupKey.set(root, line.source!);
  });
  const bySplit = Object.fromEntries(SPLITS.map((split) => [split, [] as LabelledLine[]])) as Record<
    Split,
    LabelledLine[]
  >;
  lines.forEach((line, i) => bySplit[splitOf(groupKey.get(find(i))!)].push(line));
  for (const split of SPLITS)
    bySplit[split].sort((x, y) => (x.source! < y.source! ? -1 : x.source! > y.source! ? 1 : 0));
  return bySplit;
}
