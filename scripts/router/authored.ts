import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The hand-written prompts in data/router/source/*.txt, one per line, in a format meant for writing
 * and reviewing by hand (data/router/README.md describes it):
 *
 *   <tier letter>[!] <language> [@group] <text, with \n for a line break>
 *
 * `!` marks a hard line (its surface words point to another tier); `@group` ties variants written
 * from one idea together (in any file, e.g. the same idea in several languages) so the split keeps
 * them on one side.
 */
export interface AuthoredPrompt {
  readonly text: string;
  readonly tier: string;
  readonly hard: boolean;
  readonly lang: string;
  /** The template or group the line comes from: `@<group>` (groups span files, e.g. one idea in several languages), or `<file>/<hash of the text>`. */
  readonly source: string;
}

const TIERS: Record<string, string> = { s: 'small', c: 'code', r: 'reasoning', l: 'local' };
const LINE = /^([scrl])(!?)[ \t]+([a-z]{2})[ \t]+(?:@([\w.-]+)[ \t]+)?(.+)$/;

function unescape(text: string): string {
  return text.replace(/\\(n|t|\\)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
}

/** FNV-1a, hex: a stable id for a line that belongs to no group. */
export function textId(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

export function parseAuthored(content: string, file: string): AuthoredPrompt[] {
  const stem = path.basename(file).replace(/\.txt$/, '');
  const prompts: AuthoredPrompt[] = [];
  content.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (line.trim() === '' || line.startsWith('#')) return;
    const match = LINE.exec(line);
    if (!match) throw new Error(`${file}:${index + 1}: expected "<s|c|r|l>[!] <lang> [@group] <text>"`);
    const [, letter, bang, lang, group, body] = match;
    const text = unescape(body.trim());
    prompts.push({
      text,
      tier: TIERS[letter],
      hard: bang === '!',
      lang,
      source: group ? `@${group}` : `${stem}/${textId(text)}`,
    });
  });
  return prompts;
}

/** Every authored file in a directory, in name order. */
export function readAuthored(dir: string): AuthoredPrompt[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.txt'))
    .sort()
    .flatMap((name) => parseAuthored(readFileSync(path.join(dir, name), 'utf8'), path.join(dir, name)));
}
