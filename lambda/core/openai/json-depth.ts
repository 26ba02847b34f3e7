/**
 * How deeply a JSON text nests, found by one pass over its bytes before it is parsed, so that a
 * body of four megabytes of `[[[[...` is refused before JSON.parse builds a million arrays and
 * before anything walks them recursively (schema checks, cache keys, provider transforms).
 *
 * Brackets inside strings do not count; escapes inside strings are skipped. The scan stops as soon
 * as the limit is passed. Malformed JSON is left to JSON.parse to reject.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** True when `body` nests arrays and objects no deeper than `maxDepth`. */
export function withinJsonDepth(body: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > maxDepth) return false;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--;
    }
  }
  return true;
}
