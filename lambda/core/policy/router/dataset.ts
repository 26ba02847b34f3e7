import { readFileSync } from 'node:fs';
import type { LabelledExample } from './classifier';

/** Reads labelled JSONL (`{"text": ..., "tier": ...}` per line), naming the line of any bad entry. */
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
      const { text, tier } = entry as { text?: unknown; tier?: unknown };
      if (typeof text !== 'string' || typeof tier !== 'string')
        throw new Error(`${path}:${number}: needs string "text" and "tier"`);
      return { text, tier };
    });
}
