import { LEXICON, type TermSet } from './lexicon';

/**
 * Finds every term set's matches in one pass over a normalised text. Equivalent to running each
 * set's alternation (`termPattern` in patterns.ts, the reference a test compares against) with the
 * global flag, but about fifty times faster: instead of trying every alternative at every position
 * for every set, each position looks up only the entries that begin with its two characters.
 * Linear by construction: one pass, and a bounded number of prefix comparisons per position.
 */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** How an entry must sit in the text: at a word start; as a whole word; anywhere. */
const enum Anchor {
  WordStart = 0,
  Whole = 1,
  Anywhere = 2,
}

interface Entry {
  readonly set: number;
  readonly text: string;
  readonly anchor: Anchor;
  /** Position in the reference alternation of its set: the first that fits wins. */
  readonly rank: number;
}

export const TERM_SETS = Object.keys(LEXICON) as TermSet[];

const SPACED_SCRIPT = /[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}\p{N}]/u;
const SPACED_SCRIPT_RUN = /[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}\p{N}]+/gu;

/** Entries as the text arrives: lower case, Latin accents stripped. */
export function foldEntry(entry: string): string {
  return entry
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .normalize('NFC');
}

/** Short Latin entries ("ai", "bot") must be whole words; other entries of spaced scripts start a word. */
export function anchorOf(entry: string): Anchor {
  if (!SPACED_SCRIPT.test(entry[0])) return Anchor.Anywhere;
  return entry.length <= 3 && /^[a-z.]+$/.test(entry) ? Anchor.Whole : Anchor.WordStart;
}

const key = (a: number, b: number) => a * 65536 + b;

/**
 * Candidates by their first two UTF-16 units (one-unit entries by their only unit), sorted by set and
 * then in the reference order. Entries anchored to a word start are kept apart: most positions sit
 * inside a word, where only the unanchored ones (punctuation, Chinese, Japanese) can begin.
 */
interface Candidates {
  anchored: Entry[];
  anywhere: Entry[];
}
const pairs = new Map<number, Candidates>();
const singles = new Map<number, Candidates>();
TERM_SETS.forEach((name, set) => {
  const folded = [...new Set(LEXICON[name].map(foldEntry))];
  // The reference alternation tries word-start entries, then whole words, then the rest, longest first.
  folded
    .map((text) => ({ text, anchor: anchorOf(text) }))
    .sort((x, y) => x.anchor - y.anchor || y.text.length - x.text.length || (x.text < y.text ? -1 : 1))
    .forEach(({ text, anchor }, rank) => {
      const map = text.length === 1 ? singles : pairs;
      const k = text.length === 1 ? text.charCodeAt(0) : key(text.charCodeAt(0), text.charCodeAt(1));
      let candidates = map.get(k);
      if (!candidates) map.set(k, (candidates = { anchored: [], anywhere: [] }));
      (anchor === Anchor.Anywhere ? candidates.anywhere : candidates.anchored).push({ set, text, anchor, rank });
    });
});
for (const map of [pairs, singles])
  for (const candidates of map.values())
    for (const list of [candidates.anchored, candidates.anywhere])
      list.sort((x, y) => x.set - y.set || x.rank - y.rank);

/** Spans of every term set in a normalised text, by set index (TERM_SETS order). */
export function scanTerms(text: string): Span[][] {
  const found: Span[][] = TERM_SETS.map(() => []);
  const next = new Int32Array(TERM_SETS.length);
  const spaced = new Uint8Array(text.length + 1);
  SPACED_SCRIPT_RUN.lastIndex = 0;
  for (let m = SPACED_SCRIPT_RUN.exec(text); m; m = SPACED_SCRIPT_RUN.exec(text))
    spaced.fill(1, m.index, m.index + m[0].length);
  // Per position, the best (lowest set, then lowest rank) fitting entry of each set.
  const bestRank = new Int32Array(TERM_SETS.length);
  const bestEnd = new Int32Array(TERM_SETS.length);
  const touched: number[] = [];
  const consider = (list: Entry[], i: number) => {
    for (const entry of list) {
      if (next[entry.set] > i || bestRank[entry.set] <= entry.rank) continue;
      if (!text.startsWith(entry.text, i)) continue;
      const end = i + entry.text.length;
      if (entry.anchor === Anchor.Whole && end < text.length && spaced[end] === 1) continue;
      if (bestRank[entry.set] === 0x7fffffff) touched.push(entry.set);
      bestRank[entry.set] = entry.rank;
      bestEnd[entry.set] = end;
    }
  };
  bestRank.fill(0x7fffffff);
  for (let i = 0; i < text.length; i++) {
    // Word-start and whole-word entries may not follow a letter or digit of a spaced script, and the
    // others never begin with one: inside a Latin, Cyrillic or Greek word nothing can start.
    const anchoredHere = i === 0 || spaced[i - 1] === 0;
    if (!anchoredHere && spaced[i] === 1) continue;
    const c0 = text.charCodeAt(i);
    const pair = pairs.get(key(c0, i + 1 < text.length ? text.charCodeAt(i + 1) : 0));
    if (pair) {
      if (anchoredHere && pair.anchored.length > 0) consider(pair.anchored, i);
      if (pair.anywhere.length > 0) consider(pair.anywhere, i);
    }
    const single = singles.get(c0);
    if (single) {
      if (anchoredHere && single.anchored.length > 0) consider(single.anchored, i);
      if (single.anywhere.length > 0) consider(single.anywhere, i);
    }
    if (touched.length === 0) continue;
    touched.sort((x, y) => x - y);
    for (const set of touched) {
      found[set].push({ start: i, end: bestEnd[set] });
      next[set] = bestEnd[set];
      bestRank[set] = 0x7fffffff;
    }
    touched.length = 0;
  }
  return found;
}
