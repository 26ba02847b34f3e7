import { readFileSync } from 'node:fs';

export interface LabelledExample {
  readonly text: string;
  readonly tier: string;
  /** Marked `"hard": true`: its surface words point to another tier. */
  readonly hard: boolean;
}

/**
 * Reads labelled JSONL (`{"text": ..., "tier": ...}` per line, `"hard": true` optional, other
 * fields ignored), naming the line of any bad entry.
 */
export function readLabelledJsonl(path: string): LabelledExample[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, number }) => {
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        throw new Error(`${path}:${number}: not JSON`);
      }
      const { text, tier, hard } = entry as { text?: unknown; tier?: unknown; hard?: unknown };
      if (typeof text !== 'string' || typeof tier !== 'string')
        throw new Error(`${path}:${number}: needs string "text" and "tier"`);
      return { text, tier, hard: hard === true };
    });
}

const WORD =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[^\s\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+/gu;

/** Words in a prompt, counting each Chinese or Japanese character as one (they are written without spaces). */
export function countWords(text: string): number {
  return text.match(WORD)?.length ?? 0;
}
