import { decodeBase64, decodeHex, decodeRot13, decodeUrlEscapes, type DecodedView } from './decoders';
import { HOMOGLYPHS } from './homoglyphs';

/**
 * Puts a text into the one form the patterns and the classifier read, so that the same instruction
 * scores the same however it was dressed: compatibility forms folded (NFKC: full-width, maths and
 * circled letters), invisible characters removed, look-alike letters folded, lower case, Latin
 * accents stripped. What was hidden (tag characters, encodings, leetspeak, spaced letters) becomes
 * a view of its own, scored beside the text, and its presence becomes a signal.
 */
export interface NormalisedText {
  /** The text as the detector reads it. */
  readonly text: string;
  /** Decoded or de-obfuscated readings of hidden content, each normalised like the text. */
  readonly views: readonly DecodedView[];
  /** Rule ids for the hiding found (never any of the text). */
  readonly signals: readonly string[];
}

const TAG_CHARACTERS = /[\u{E0000}-\u{E007F}]/gu;
// The class lists invisible and joining code points one by one, on purpose: they are what is removed.
const INVISIBLE =
  // eslint-disable-next-line no-misleading-character-class
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]/g;
const INVISIBLE_INSIDE_WORD = /\p{L}[\u00AD\u200B-\u200D\u2060\uFEFF]+\p{L}/u;
const BIDI_OVERRIDE = /[\u202D\u202E\u2066-\u2069]/;
const LETTER_RUN = /[\p{L}\p{M}]+/gu;
const LATIN = /[a-zA-Z]/;
const CYRILLIC_OR_GREEK = /[\p{Script=Cyrillic}\p{Script=Greek}]/u;
const LATIN_ACCENTS = /[\u0300-\u036f]/g;
const BLANKS = /[^\S\n]+/g;
const WIDE_GAP = /[^\S\n]{2,}/g;
const ENTITY = /&(#\d{1,7}|#x[0-9a-f]{1,6}|amp|lt|gt|quot|apos|nbsp);/gi;
const LEET_TOKEN = /[\p{L}0-9@$]+/gu;
const CHUNK = /[^\s\uE000]+/gu;
const LEET_HINT = /\p{L}[013457@$]|[013457@$]\p{L}/u;
const SPACED_HINT = /(?:^|[\s\uE000])\p{L}[ .\-_*]\p{L}[ .\-_*]\p{L}(?:[\s.\-_*\uE000]|$)/u;
const LEET_DIGIT = /[013457@$]/;
const LEET_MAP: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
};
/** For the linear-time test: every expression this file runs over untrusted text. */
export const NORMALISER_PATTERNS: readonly RegExp[] = [
  TAG_CHARACTERS,
  INVISIBLE,
  INVISIBLE_INSIDE_WORD,
  BIDI_OVERRIDE,
  LETTER_RUN,
  LATIN,
  CYRILLIC_OR_GREEK,
  LATIN_ACCENTS,
  BLANKS,
  WIDE_GAP,
  ENTITY,
  LEET_TOKEN,
  LEET_DIGIT,
  CHUNK,
  LEET_HINT,
  SPACED_HINT,
];

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (whole, body: string) => {
    const name = body.toLowerCase();
    if (name in NAMED_ENTITIES) return NAMED_ENTITIES[name];
    const code = name.startsWith('#x') ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** Tag characters (U+E0020-E007E) mirror ASCII and render as nothing: "ASCII smuggling". */
function tagPayload(text: string): string {
  let payload = '';
  for (const [ch] of text.matchAll(TAG_CHARACTERS)) {
    const code = ch.codePointAt(0)! - 0xe0000;
    if (code >= 0x20 && code <= 0x7e) payload += String.fromCharCode(code);
  }
  return payload;
}

function foldMixedScriptWords(text: string, signals: Set<string>): string {
  if (!CYRILLIC_OR_GREEK.test(text) || !LATIN.test(text)) return text;
  return text.replace(LETTER_RUN, (word) => {
    if (!LATIN.test(word) || !CYRILLIC_OR_GREEK.test(word)) return word;
    signals.add('obfuscation.mixed-script');
    let folded = '';
    for (const ch of word) folded += HOMOGLYPHS.get(ch) ?? ch;
    return folded;
  });
}

/** The shared core of every reading: no invisible characters, NFKC, folded look-alikes, lower case. */
function canonical(text: string, signals: Set<string>, keepWideGaps = false): string {
  let out = text.replace(TAG_CHARACTERS, '');
  if (INVISIBLE_INSIDE_WORD.test(out)) signals.add('obfuscation.zero-width');
  if (BIDI_OVERRIDE.test(out)) signals.add('obfuscation.bidi-control');
  out = decodeEntities(out.replace(INVISIBLE, '').normalize('NFKC'));
  out = foldMixedScriptWords(out, signals);
  return out
    .toLowerCase()
    .normalize('NFD')
    .replace(LATIN_ACCENTS, '')
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(keepWideGaps ? WIDE_GAP : BLANKS, keepWideGaps ? '\uE000' : ' ')
    .replace(BLANKS, ' ');
}

/** A word spelled with digits for letters ("1gn0r3"), not a version, a hash or an identifier. */
function looksLeet(token: string): boolean {
  if (token.length < 3 || token.length > 20 || !LEET_DIGIT.test(token)) return false;
  if (/[2689]|[0-9]{3}|^[0-9a-f]+$/.test(token)) return false;
  return (token.match(/\p{L}/gu) ?? []).length >= 2;
}

/** Leetspeak folded inside the words that mix letters and digits, and s p a c e d letters joined. */
function deobfuscate(text: string, signals: Set<string>): string | undefined {
  // Most texts have neither a digit inside a word nor three single letters in a row: skip the work.
  if (!LEET_HINT.test(text) && !SPACED_HINT.test(text)) return undefined;
  let leetWords = 0;
  // Long unbroken runs (keys, tokens, URLs) are data, not words spelled in digits.
  const unleeted = text.replace(CHUNK, (chunk) =>
    chunk.length > 30
      ? chunk
      : chunk.replace(LEET_TOKEN, (token) => {
          if (!looksLeet(token)) return token;
          leetWords++;
          return token.replace(/[013457@$]/g, (ch) => LEET_MAP[ch]);
        }),
  );
  const wideGaps = unleeted.includes('\uE000');
  const tokens = unleeted.replace(/\uE000/g, ' \uE000 ').split(' ');
  let spacedRuns = 0;
  const joined: string[] = [];
  for (let i = 0; i < tokens.length;) {
    let j = i;
    while (j < tokens.length && /^\p{L}$/u.test(tokens[j])) j++;
    if (j - i >= (wideGaps ? 3 : 4)) {
      spacedRuns++;
      joined.push(tokens.slice(i, j).join(''));
      i = j;
      continue;
    }
    const dotted = tokens[i].split(/[.\-_*]/);
    if (dotted.length >= 4 && dotted.every((part) => /^\p{L}$/u.test(part))) {
      spacedRuns++;
      joined.push(dotted.join(''));
    } else joined.push(tokens[i]);
    i++;
  }
  if (leetWords >= 2) signals.add('obfuscation.leetspeak');
  if (spacedRuns > 0) signals.add('obfuscation.spaced-letters');
  return leetWords >= 2 || spacedRuns > 0 ? joined.join(' ').replace(/ ?\uE000 ?/g, ' ') : undefined;
}

export function normalise(raw: string): NormalisedText {
  const signals = new Set<string>();
  const views: DecodedView[] = [];
  const hidden = tagPayload(raw);
  if (hidden.trim().length >= 4) {
    signals.add('hidden.tag-characters');
    views.push({ kind: 'tags', text: canonical(hidden, signals) });
  }
  // Encodings are case-sensitive: decode from the text before it is lower-cased.
  const visible = raw.replace(TAG_CHARACTERS, '').replace(INVISIBLE, '').normalize('NFKC');
  const decoders = [
    ['base64', decodeBase64],
    ['hex', decodeHex],
    ['url', decodeUrlEscapes],
    ['rot13', decodeRot13],
  ] as const;
  for (const [kind, decode] of decoders) {
    for (const decoded of decode(visible)) {
      signals.add(`encoded.${kind}`);
      views.push({ kind, text: canonical(decoded, signals) });
    }
  }
  // Wide gaps are marked so that letters spaced out word by word ("I G N O R E   Y O U R") keep
  // their word breaks for deobfuscate; in the text itself a gap is one space.
  const marked = canonical(raw, signals, true);
  const text = marked.includes('\uE000') ? marked.replace(/\uE000/g, ' ') : marked;
  const plain = deobfuscate(marked, signals);
  if (plain !== undefined) views.push({ kind: 'deobfuscated', text: plain });
  return { text, views, signals: [...signals].sort() };
}
