/**
 * Text as hashed features, for the router's classifier: character n-grams (which survive typos,
 * inflection, other languages and code punctuation), word unigrams and bigrams (which carry
 * phrases), and a few shape features, each hashed into one of 2^bits buckets. Hashing keeps the
 * model a fixed-size table with no vocabulary to ship.
 *
 * Built for a per-decision budget of microseconds: one pass that normalises into a reused buffer
 * and hashes words as it goes, then one pass of integer hashing for the character n-grams, with no
 * allocation besides `toLowerCase`. Character n-grams come from a bounded window (the start and the
 * end of a long prompt, where the request usually is); words from the whole text, up to MAX_CHARS.
 */
export interface FeatureSpec {
  /** log2 of the number of buckets. */
  readonly bits: number;
  /** Character n-gram lengths, from `charMin` to `charMax` inclusive. */
  readonly charMin: number;
  readonly charMax: number;
  /** Characters of a long text whose n-grams count: the first `head` and the last `tail`. */
  readonly head: number;
  readonly tail: number;
  /** Word bigrams as well as words. */
  readonly wordBigrams: boolean;
  /** Shape features: line breaks, indented lines, capitalised words, numbers, length. */
  readonly shape: boolean;
  /**
   * Each Chinese, Japanese or Korean character as a word of its own (unigrams and bigrams), for
   * scripts written without spaces, where a "word" would otherwise be a whole clause.
   */
  readonly cjkWords?: boolean;
  /**
   * Words and character n-grams weighted apart, each group by 1/sqrt(its own count), so the few
   * words of a long prompt are not drowned by its many character n-grams. Otherwise all n-grams
   * share 1/sqrt(their total count).
   */
  readonly groupsApart?: boolean;
}

/** Filled by `extractFeatures` when given: how many of the features are words and word bigrams. */
export interface FeatureCounts {
  words: number;
}

/** How many shape features follow the n-grams in `extractFeatures`' output, when `spec.shape`. */
export const SHAPE_FEATURES = 5;

/** Longest text read, in characters (about 1,000 words); the rest of a longer prompt is ignored. */
export const MAX_CHARS = 6000;
const MAX_GRAM = 8;

const SPACE = 32;
const ZERO = 48;
const CHAR_SEED = 0x811c9dc5;
const WORD_SEED = 0x01234567;
const BIGRAM_SEED = 0x7a3d1f05;
const SHAPE_SEED = 0x5bd1e995;
const FNV_PRIME = 0x01000193;

/** Character classes. */
const IS_SPACE = 1;
const IS_WORD = 2;
const IS_DIGIT = 4;
const ENDS_SENTENCE = 8;
const ASCII = new Uint8Array(128).map((_, c) => {
  if (c <= SPACE) return IS_SPACE;
  if (c >= ZERO && c <= 57) return IS_WORD | IS_DIGIT;
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) return IS_WORD;
  return c === 46 || c === 33 || c === 63 || c === 58 ? ENDS_SENTENCE : 0;
});

/** Han (with extension A), kana and Hangul syllables: scripts written without spaces between words. */
function isCjk(c: number): boolean {
  return (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af);
}

/** The class of a code unit: a table for ASCII; beyond it, letters unless in a punctuation block. */
function classOf(c: number): number {
  if (c < 128) return ASCII[c];
  if (c === 0xa0 || c === 0x3000) return IS_SPACE;
  if (c === 0x3002 || c === 0xff01 || c === 0xff1f) return ENDS_SENTENCE;
  if (c < 0xc0 || c === 0xd7 || c === 0xf7 || (c >= 0x2000 && c <= 0x206f) || (c >= 0x3000 && c <= 0x303f)) return 0;
  return c >= 0xff00 && c <= 0xff20 ? 0 : IS_WORD;
}

const normal = new Uint16Array(MAX_CHARS + 2 + MAX_GRAM);

/** Bucket of a 32-bit hash: the top `bits` bits after a multiplicative mix. */
function bucket(hash: number, shift: number): number {
  return Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d) >>> shift;
}

/**
 * Where features are written: `out` from `out[count]`, each a bucket of `32 - shift` bits. One
 * object carried through the extraction instead of three numbers through every call.
 */
export interface FeatureOutput {
  readonly out: Uint32Array;
  readonly shift: number;
  count: number;
}

/**
 * The character n-grams starting at positions [from, to) of the last normalised text, written to
 * `output`; returns the new count. Exported for its test (`unrolled: false` forces the general loop).
 */
export function characterGrams(
  spec: FeatureSpec,
  from: number,
  to: number,
  output: FeatureOutput,
  unrolled = true,
): number {
  const { out, shift } = output;
  let { count } = output;
  const { charMin, charMax } = spec;
  if (unrolled && (charMin === 2 || charMin === 3) && charMax === 5) {
    // The shipped specs, unrolled: a third faster than the general loop below, with the same output.
    const twos = charMin === 2;
    for (let i = from; i < to; i++) {
      const h2 = Math.imul(Math.imul(CHAR_SEED ^ normal[i], FNV_PRIME) ^ normal[i + 1], FNV_PRIME);
      const h3 = Math.imul(h2 ^ normal[i + 2], FNV_PRIME);
      const h4 = Math.imul(h3 ^ normal[i + 3], FNV_PRIME);
      const h5 = Math.imul(h4 ^ normal[i + 4], FNV_PRIME);
      if (twos) out[count++] = bucket(h2, shift);
      out[count++] = bucket(h3, shift);
      out[count++] = bucket(h4, shift);
      out[count++] = bucket(h5, shift);
    }
    return (output.count = count);
  }
  for (let i = from; i < to; i++) {
    let hash = CHAR_SEED;
    for (let k = 0; k < charMin - 1; k++) hash = Math.imul(hash ^ normal[i + k], FNV_PRIME);
    for (let k = charMin - 1; k < charMax; k++) {
      hash = Math.imul(hash ^ normal[i + k], FNV_PRIME);
      out[count++] = bucket(hash, shift);
    }
  }
  return (output.count = count);
}

/** A word's features: itself, and its bigram with the word before. */
function emitWord(output: FeatureOutput, word: number, previousWord: number, bigrams: boolean): void {
  const { out, shift } = output;
  out[output.count++] = bucket(word, shift);
  if (bigrams && previousWord !== 0)
    out[output.count++] = bucket(Math.imul(previousWord ^ BIGRAM_SEED, FNV_PRIME) ^ word, shift);
}

const level = (count: number) => (count < 3 ? count : count < 5 ? 3 : count < 9 ? 4 : 5);

/**
 * Writes the features of `text` (bucket indices, repeats allowed) into `out` and returns how many
 * n-gram features there are: words and word bigrams first (`counts.words` of them), then character
 * n-grams; with `spec.shape`, SHAPE_FEATURES more follow them. `out` must hold `maxFeatures(spec)`
 * entries.
 *
 * The text is lower-cased with digits folded to 0 (an account number's digits matter less than its
 * shape) and whitespace runs collapsed to one space; the shape features count what that loses: line
 * breaks, indented lines, capitalised words in mid-sentence (names of people, products, internal
 * systems), numbers, and the length in words.
 */
export function extractFeatures(text: string, spec: FeatureSpec, out: Uint32Array, counts?: FeatureCounts): number {
  const source = text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text;
  const lower = source.toLowerCase();
  const aligned = lower.length === source.length;
  const shift = 32 - spec.bits;
  const bigrams = spec.wordBigrams;
  const cjk = spec.cjkWords === true;
  const output: FeatureOutput = { out, shift, count: 0 };
  let lines = 0;
  let indented = 0;
  let capitalised = 0;
  let numbers = 0;
  let words = 0;
  let length = 0;
  let sentenceStart = true;
  let word = WORD_SEED;
  let inWord = false;
  let previousWord = 0;
  let last = SPACE;
  normal[length++] = SPACE;
  for (let i = 0; i < lower.length; i++) {
    let c = lower.charCodeAt(i);
    const k = classOf(c);
    const single = cjk && c >= 0x3040 && isCjk(c);
    if (inWord && (!(k & IS_WORD) || single)) {
      emitWord(output, word, previousWord, bigrams);
      previousWord = word;
      word = WORD_SEED;
      inWord = false;
    }
    if (k & IS_SPACE) {
      if (c === 10) {
        lines++;
        const next = lower.charCodeAt(i + 1);
        if (next === SPACE || next === 9) indented++;
      }
      if (last === SPACE) continue;
      c = SPACE;
    } else {
      if (last === SPACE) {
        words++;
        // A capital starting a word that does not start a sentence, and is not the pronoun "I".
        const upper = source.charCodeAt(i) !== c;
        if (aligned && upper && !sentenceStart && k & IS_WORD && classOf(lower.charCodeAt(i + 1)) & IS_WORD)
          capitalised++;
      }
      if (k & IS_DIGIT) {
        if (last !== ZERO) numbers++;
        c = ZERO;
      }
      if (single) {
        // A word of one character, ended at once; it counts as a word for the length too.
        if (last !== SPACE) words++;
        word = Math.imul(WORD_SEED ^ c, FNV_PRIME);
        emitWord(output, word, previousWord, bigrams);
        previousWord = word;
        word = WORD_SEED;
      } else if (k & IS_WORD) {
        if (last !== SPACE && !inWord && cjk && isCjk(last)) words++;
        word = Math.imul(word ^ c, FNV_PRIME);
        inWord = true;
      }
      sentenceStart = (k & ENDS_SENTENCE) !== 0;
    }
    normal[length++] = last = c;
  }
  if (inWord) emitWord(output, word, previousWord, bigrams);
  if (counts) counts.words = output.count;
  if (last !== SPACE) normal[length++] = SPACE;
  for (let i = 0; i < MAX_GRAM; i++) normal[length + i] = SPACE;

  // Character n-grams starting in the window; the padding lets the longer ones run past the end.
  const starts = length - spec.charMin + 1;
  const headEnd = Math.min(starts, spec.head);
  characterGrams(spec, 0, headEnd, output);
  const count = characterGrams(spec, Math.max(headEnd, starts - spec.tail), starts, output);

  if (spec.shape) {
    out[count] = bucket(Math.imul(SHAPE_SEED ^ 1, FNV_PRIME) ^ level(lines), shift);
    out[count + 1] = bucket(Math.imul(SHAPE_SEED ^ 2, FNV_PRIME) ^ level(indented), shift);
    out[count + 2] = bucket(Math.imul(SHAPE_SEED ^ 3, FNV_PRIME) ^ level(capitalised), shift);
    out[count + 3] = bucket(Math.imul(SHAPE_SEED ^ 4, FNV_PRIME) ^ level(numbers), shift);
    out[count + 4] = bucket(Math.imul(SHAPE_SEED ^ 5, FNV_PRIME) ^ Math.min(9, 31 - Math.clz32(words + 1)), shift);
  }
  return count;
}

/** The most features one text can yield under `spec`. */
export function maxFeatures(spec: FeatureSpec): number {
  const charPositions = Math.min(MAX_CHARS + 2, spec.head + spec.tail);
  // Words and bigrams: at most one of each per two characters, or per character with `cjkWords`.
  const wordFeatures = spec.cjkWords === true ? 2 * MAX_CHARS : MAX_CHARS + 2;
  return charPositions * (spec.charMax - spec.charMin + 1) + wordFeatures + 2 + SHAPE_FEATURES;
}
