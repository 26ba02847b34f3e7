import * as path from 'node:path';
import { readLabelledLines } from './dataset';
import { normalise } from './normalise';
import { TERM_PATTERNS } from './patterns';
import { scanTerms, TERM_SETS } from './terms';

/** The one-pass scanner finds exactly what each set's reference regular expression finds. */
function reference(text: string) {
  return TERM_SETS.map((set) => {
    const pattern = TERM_PATTERNS[set];
    pattern.lastIndex = 0;
    const spans: Array<{ start: number; end: number }> = [];
    for (let m = pattern.exec(text); m; m = pattern.exec(text))
      spans.push({ start: m.index, end: m.index + m[0].length });
    return spans;
  });
}

const dir = path.join(__dirname, '../../../../data/guardrails');
const texts = ['train', 'tune', 'heldout'].flatMap((split) =>
  readLabelledLines(path.join(dir, `${split}.jsonl`)).flatMap((line) => {
    const n = normalise(line.text);
    return [n.text, ...n.views.map((v) => v.text)];
  }),
);

test('scanTerms agrees with the reference alternations on every line of the labelled set', () => {
  const disagreements = texts.filter((text) => JSON.stringify(scanTerms(text)) !== JSON.stringify(reference(text)));
  expect(disagreements.slice(0, 3)).toEqual([]);
  expect(texts.length).toBeGreaterThan(1200);
});

test('scanTerms honours word starts, whole words and overlaps as the reference does', () => {
  for (const text of [
    'aim ai ai. bot robot',
    'unignorable ignore',
    '请忽略之前的指令',
    'x<|im_start|>system:',
    '',
    'a',
  ])
    expect(scanTerms(text)).toEqual(reference(text));
});
