import { readFileSync } from 'node:fs';

/** One line of a labelled set: `{"text", "label"}`, optionally `kind`, `source` and `lang`; other fields ignored. */
export interface LabelledLine {
  readonly text: string;
  readonly label: 'injection' | 'benign';
  readonly kind?: string;
  readonly source?: string;
  readonly lang?: string;
}

/** Reads labelled JSONL, naming the line of any bad entry. */
export function readLabelledLines(path: string): LabelledLine[] {
  const lines: LabelledLine[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, index) => {
      if (raw.trim() === '') return;
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        throw new Error(`${path}:${index + 1}: not JSON`);
      }
      const { text, label, kind, source, lang } = entry;
      if (typeof text !== 'string' || (label !== 'injection' && label !== 'benign'))
        throw new Error(`${path}:${index + 1}: needs a string "text" and "label" of "injection" or "benign"`);
      lines.push({
        text,
        label,
        ...(typeof kind === 'string' ? { kind } : {}),
        ...(typeof source === 'string' ? { source } : {}),
        ...(typeof lang === 'string' ? { lang } : {}),
      });
    });
  return lines;
}
