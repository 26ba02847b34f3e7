import { normalise } from '../../lambda/core/guardrails/injection/normalise';

/**
 * Near-duplicate pairs by character 5-gram Jaccard similarity, exactly, without comparing every pair:
 * prefix filtering (two sets with Jaccard >= t must share one of the first |A| - ceil(t|A|) + 1 of
 * their shingles in a common rarest-first order), then each candidate pair is measured.
 */
export function shingles(text: string): Set<string> {
  const normal = normalise(text).text;
  const out = new Set<string>();
  for (let i = 0; i + 5 <= normal.length; i++) out.add(normal.slice(i, i + 5));
  if (out.size === 0 && normal.length > 0) out.add(normal);
  return out;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const s of small) if (large.has(s)) shared++;
  return shared / (a.size + b.size - shared || 1);
}

export interface NearPair {
  readonly a: number;
  readonly b: number;
  readonly similarity: number;
}

/** Every pair (a < b) of texts whose 5-gram Jaccard similarity is at least `threshold`. */
export function nearDuplicatePairs(texts: readonly string[], threshold = 0.5): NearPair[] {
  const sets = texts.map(shingles);
  const frequency = new Map<string, number>();
  for (const set of sets) for (const s of set) frequency.set(s, (frequency.get(s) ?? 0) + 1);
  const order = (x: string, y: string) => frequency.get(x)! - frequency.get(y)! || (x < y ? -1 : x > y ? 1 : 0);
  const postings = new Map<string, number[]>();
  const pairs: NearPair[] = [];
  sets.forEach((set, b) => {
    const sorted = [...set].sort(order);
    const prefix = sorted.slice(0, sorted.length - Math.ceil(threshold * sorted.length) + 1);
    const candidates = new Set<number>();
    for (const s of prefix) for (const a of postings.get(s) ?? []) candidates.add(a);
    for (const a of [...candidates].sort((x, y) => x - y)) {
      const similarity = jaccard(sets[a], set);
      if (similarity >= threshold) pairs.push({ a, b, similarity });
    }
    for (const s of prefix) {
      const list = postings.get(s);
      if (list) list.push(b);
      else postings.set(s, [b]);
    }
  });
  return pairs;
}
