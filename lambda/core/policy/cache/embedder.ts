import { createHash } from 'node:crypto';

/** Turns texts into vectors. The gateway's configured embedding model implements it in production. */
export interface Embedder {
  readonly dimensions: number;
  embed(texts: readonly string[]): Promise<number[][]>;
}

const STOPWORDS = new Set(
  'a an the is are was were be been of to in on for at by with and or do does did i you we my our your it this that how what can could would should please me'.split(
    ' ',
  ),
);

function bucketAndSign(feature: string, dimensions: number): [number, number] {
  const digest = createHash('sha1').update(feature).digest();
  return [digest.readUInt32BE(0) % dimensions, digest[4] & 1 ? 1 : -1];
}

/**
 * A small deterministic embedder that runs offline: signed feature hashing of content words, word
 * bigrams and character trigrams, sub-linear term weights, L2-normalised. It sees words, not
 * meaning: paraphrases that share vocabulary score high, and so can near-misses that differ in one
 * word. Use it for tests and the local server; point the gateway at a real embedding model for
 * production and re-run `npm run cache:eval` to choose its threshold.
 */
export class HashingEmbedder implements Embedder {
  constructor(readonly dimensions = 256) {}

  embedOne(text: string): number[] {
    const vector = new Array<number>(this.dimensions).fill(0);
    const counts = new Map<string, number>();
    const words = (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => !STOPWORDS.has(w));
    const add = (feature: string, weight: number) => counts.set(feature, (counts.get(feature) ?? 0) + weight);
    words.forEach((word, i) => {
      add(`w:${word}`, 1);
      if (i > 0) add(`b:${words[i - 1]} ${word}`, 0.5);
      const padded = ` ${word} `;
      for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`, 0.25);
    });
    for (const [feature, count] of counts) {
      const [bucket, sign] = bucketAndSign(feature, this.dimensions);
      vector[bucket] += sign * (1 + Math.log(count));
    }
    const norm = Math.hypot(...vector) || 1;
    return vector.map((v) => v / norm);
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    return texts.map((text) => this.embedOne(text));
  }
}

/** Cosine similarity of two L2-normalised vectors. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}
