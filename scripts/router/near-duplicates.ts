/**
 * Near-duplicate pairs by character 5-gram Jaccard similarity, found exactly and fast with prefix
 * filtering (Chaudhuri et al., "A primitive operator for similarity joins", 2006): order every
 * set's shingles from rarest to commonest; two sets with Jaccard >= t must share a shingle among
 * the first |x| - ceil(t * |x|) + 1 of each, so only those are indexed and only pairs meeting
 * there are compared in full.
 */
export const SHINGLE = 5;

/** Lower-cased, whitespace collapsed: the text two prompts are compared on. */
export function shingles(text: string): Set<string> {
  const normal = text.toLowerCase().replace(/\s+/g, ' ').trim();
  const set = new Set<string>();
  if (normal.length <= SHINGLE) set.add(normal);
  for (let i = 0; i + SHINGLE <= normal.length; i++) set.add(normal.slice(i, i + SHINGLE));
  return set;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const s of small) if (large.has(s)) shared++;
  return shared / (a.size + b.size - shared);
}

export interface NearDuplicate {
  readonly a: number;
  readonly b: number;
  readonly similarity: number;
}

/** Every pair (a < b) of texts with Jaccard >= threshold, in (a, b) order. */
export function nearDuplicatePairs(texts: readonly string[], threshold = 0.5): NearDuplicate[] {
  const sets = texts.map(shingles);
  const frequency = new Map<string, number>();
  for (const set of sets) for (const s of set) frequency.set(s, (frequency.get(s) ?? 0) + 1);
  const rarestFirst = (x: string, y: string) => frequency.get(x)! - frequency.get(y)! || (x < y ? -1 : x > y ? 1 : 0);
  const index = new Map<string, number[]>();
  const pairs: NearDuplicate[] = [];
  sets.forEach((set, b) => {
    const prefix = [...set].sort(rarestFirst).slice(0, set.size - Math.ceil(threshold * set.size) + 1);
    const candidates = new Set<number>();
    for (const s of prefix) for (const a of index.get(s) ?? []) candidates.add(a);
    for (const a of [...candidates].sort((x, y) => x - y)) {
      // Sizes alone can rule a pair out: J <= min/max.
      if (Math.min(set.size, sets[a].size) < threshold * Math.max(set.size, sets[a].size)) continue;
      const similarity = jaccard(sets[a], set);
      if (similarity >= threshold) pairs.push({ a, b, similarity });
    }
    for (const s of prefix) {
      const list = index.get(s);
      if (list) list.push(b);
      else index.set(s, [b]);
    }
  });
  return pairs.sort((x, y) => x.a - y.a || x.b - y.b);
}
