/**
 * Decoders for payloads hidden in an encoding. Each finds candidate segments with a single-quantifier
 * scan (linear time), decodes them, and keeps a decoded text only when it reads like language: a
 * random key, a hash or an image in base64 decodes to bytes, not words, and is dropped. What is kept
 * is scored like any other text, so an encoded instruction meets the same patterns and classifier.
 */
export type DecodedKind = 'base64' | 'hex' | 'url' | 'rot13' | 'tags' | 'deobfuscated';

export interface DecodedView {
  readonly kind: DecodedKind;
  readonly text: string;
}

const BASE64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
const HEX_RUN = /[0-9A-Fa-fxX\\:, ]{24,}/g;
const URL_ESCAPE = /%[0-9A-Fa-f]{2}/g;
const ASCII_WORD = /[a-z]+/g;
/** For the linear-time test: every expression this file runs over untrusted text. */
export const DECODER_PATTERNS: readonly RegExp[] = [BASE64_RUN, HEX_RUN, URL_ESCAPE, ASCII_WORD];
const MAX_SEGMENTS = 8;

/** Share of letters, digits, spaces and common punctuation: language is near 1, bytes are not. */
function readable(text: string): boolean {
  if (text.length < 6) return false;
  let good = 0;
  let letters = 0;
  for (const ch of text) {
    if (/\p{L}/u.test(ch)) letters++;
    if (/[\p{L}\p{N}\p{Zs}\p{P}\n]/u.test(ch)) good++;
  }
  return good / text.length >= 0.9 && letters / text.length >= 0.5 && /\s/.test(text);
}

function utf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

export function decodeBase64(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(BASE64_RUN)) {
    if (found.length >= MAX_SEGMENTS) break;
    const segment = match[0].replace(/-/g, '+').replace(/_/g, '/');
    // A word made of letters only (a long identifier) is not base64 worth decoding.
    if (!/[0-9+/=]/.test(segment) && !(/[A-Z]/.test(segment) && /[a-z]/.test(segment))) continue;
    const decoded = utf8(Buffer.from(segment, 'base64'));
    if (decoded !== undefined && readable(decoded)) found.push(decoded);
  }
  return found;
}

export function decodeHex(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(HEX_RUN)) {
    if (found.length >= MAX_SEGMENTS) break;
    const digits = match[0].replace(/\\x|0x|[\\:, ]/gi, '');
    if (digits.length < 16 || digits.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(digits)) continue;
    const decoded = utf8(Buffer.from(digits, 'hex'));
    if (decoded !== undefined && readable(decoded)) found.push(decoded);
  }
  return found;
}

export function decodeUrlEscapes(text: string): string[] {
  if ((text.match(URL_ESCAPE) ?? []).length < 4) return [];
  const decoded = text
    .split(/(\s)/)
    .map((token) => {
      if (!token.includes('%')) return token;
      try {
        return decodeURIComponent(token.replace(/\+/g, ' '));
      } catch {
        return token;
      }
    })
    .join('');
  return decoded !== text && readable(decoded) ? [decoded] : [];
}

const COMMON_WORDS = new Set(
  (
    'the a an to of and or you your all is are be this that now from with for in on it not do any ' +
    'ignore previous instructions instruction system prompt rules reveal tell me say print forget above'
  ).split(' '),
);

function commonWordCount(text: string): number {
  let n = 0;
  for (const [word] of text.toLowerCase().matchAll(ASCII_WORD)) if (COMMON_WORDS.has(word)) n++;
  return n;
}

export function rot13(text: string): string {
  return text.replace(/[a-z]/gi, (ch) => {
    const base = ch <= 'Z' ? 65 : 97;
    return String.fromCharCode(((ch.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/** The rot13 reading of a text, when it reads much more like English than the text does. */
export function decodeRot13(text: string): string[] {
  const before = commonWordCount(text);
  // Text that already reads as English is not rot13: skip the rotation.
  if (before >= 8) return [];
  const rotated = rot13(text);
  const after = commonWordCount(rotated);
  return after >= 3 && after > 2 * before ? [rotated] : [];
}
