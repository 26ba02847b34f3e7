/**
 * Text as hashed features: lower-cased word unigrams and bigrams, plus a few shape markers (a code
 * fence, a length bucket). Hashing (FNV-1a, 32-bit) keeps the model a fixed-size table with no
 * vocabulary to ship, and costs one pass over the text.
 */
const WORD = /[\p{L}\p{N}_]+/gu;

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Feature bucket -> count, for a text, in a table of `buckets` entries. */
export function featureCounts(text: string, buckets: number): Map<number, number> {
  const counts = new Map<number, number>();
  const add = (feature: string) => {
    const bucket = fnv1a(feature) % buckets;
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  };
  const words = text.toLowerCase().match(WORD) ?? [];
  for (let i = 0; i < words.length; i++) {
    add(words[i]);
    if (i > 0) add(`${words[i - 1]} ${words[i]}`);
  }
  if (text.includes('```')) add('\u0000code-fence');
  add(`\u0000length:${Math.min(12, Math.floor(Math.log2(text.length + 1)))}`);
  return counts;
}
