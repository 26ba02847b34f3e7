/**
 * A text as a sparse vector of hashed features: character 3- to 5-grams (they carry morphology
 * across languages and survive misspellings) and word unigrams and bigrams, each present or not,
 * scaled to unit length so a long window and a short message weigh alike. Hashing (FNV-1a, one
 * pass, no substrings built) keeps the model a fixed-size table with no vocabulary to ship.
 */
export interface SparseVector {
  /** Distinct buckets, in the order the text first used them. */
  readonly indices: Uint32Array;
  /** The value of every present feature (1 / sqrt(number of features)). */
  readonly value: number;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const CHAR_MIN = 3;
const CHAR_MAX = 5;
const WORD = /[\p{L}\p{N}_']+|[^\s\p{L}\p{N}_']/gu;

/**
 * Marks which buckets a text already used, reused across calls (one stamp array per table size) so
 * that de-duplicating a few thousand features costs no allocation and no hashing of a Set.
 */
const stamps = new Map<number, { marks: Uint32Array; generation: number }>();

function bucketSet(mask: number) {
  let state = stamps.get(mask);
  if (!state) stamps.set(mask, (state = { marks: new Uint32Array(mask + 1), generation: 0 }));
  if (++state.generation === 0xffffffff) {
    state.marks.fill(0);
    state.generation = 1;
  }
  return state;
}

/** Hashed feature buckets of a normalised text; `mask` is the table size minus one (a power of two). */
export function featureVector(text: string, mask: number): SparseVector {
  const state = bucketSet(mask);
  const { marks, generation } = state;
  const found: number[] = [];
  const add = (bucket: number) => {
    if (marks[bucket] !== generation) {
      marks[bucket] = generation;
      found.push(bucket);
    }
  };
  const padded = ` ${text} `;
  for (let i = 0; i + CHAR_MIN <= padded.length; i++) {
    let hash = FNV_OFFSET;
    for (let n = 1; n <= CHAR_MAX && i + n <= padded.length; n++) {
      hash = Math.imul(hash ^ padded.charCodeAt(i + n - 1), FNV_PRIME);
      if (n >= CHAR_MIN) add((Math.imul(hash ^ n, FNV_PRIME) >>> 0) & mask);
    }
  }
  let previous = 0;
  for (const [word] of text.matchAll(WORD)) {
    let hash = 0x9747b28c;
    for (let k = 0; k < word.length; k++) hash = Math.imul(hash ^ word.charCodeAt(k), FNV_PRIME);
    add((hash >>> 0) & mask);
    if (previous !== 0) add((Math.imul(previous ^ (hash >>> 7), FNV_PRIME) >>> 0) & mask);
    previous = hash | 1;
  }
  const indices = Uint32Array.from(found);
  return { indices, value: indices.length > 0 ? 1 / Math.sqrt(indices.length) : 0 };
}

/** Overlapping windows of a long text, cut at spaces, so one injected paragraph is not diluted by pages. */
export function windows(text: string, size: number, step: number): string[] {
  if (text.length <= size) return [text];
  const out: string[] = [];
  for (let start = 0; start < text.length;) {
    let end = Math.min(text.length, start + size);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      if (space > start + size / 2) end = space;
    }
    out.push(text.slice(start, end));
    if (end >= text.length) break;
    let next = start + step;
    const space = text.indexOf(' ', next);
    if (space > 0 && space < next + 40) next = space + 1;
    start = next;
  }
  return out;
}
