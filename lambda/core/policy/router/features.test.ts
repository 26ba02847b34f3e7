import {
  SHAPE_FEATURES,
  characterGrams,
  extractFeatures,
  maxFeatures,
  type FeatureCounts,
  type FeatureSpec,
} from './features';

const spec: FeatureSpec = { bits: 16, charMin: 3, charMax: 5, head: 600, tail: 300, wordBigrams: true, shape: true };
const features = (text: string, s: FeatureSpec = spec) => {
  const out = new Uint32Array(maxFeatures(s));
  const n = extractFeatures(text, s, out);
  return {
    grams: [...out.slice(0, n)].sort((a, b) => a - b),
    shape: [...out.slice(n, n + (s.shape ? SHAPE_FEATURES : 0))],
  };
};

test('case, digits and runs of whitespace do not change the n-grams', () => {
  expect(features('Refund  for order 48213?').grams).toEqual(features('refund for\torder 90577?').grams);
});

test.each([3, 2])('the unrolled %i-5 path gives exactly what the general loop gives', (charMin) => {
  const text = 'Write a Go function that parses a CSV file.\n  And tests! Ünïcödé, 日本語のテキスト, 42.';
  const s = { ...spec, charMin };
  features(text, s); // leaves the normalised text in the module's buffer
  const [unrolled, general] = [true, false].map((fast) => {
    const out = new Uint32Array(1000);
    return [...out.slice(0, characterGrams(s, 0, 60, { out, shift: 16, count: 0 }, fast))];
  });
  expect(unrolled).toHaveLength(60 * (6 - charMin));
  expect(unrolled).toEqual(general);
});

test('with cjkWords, each Chinese, Japanese or Korean character is a word; words come first and are counted', () => {
  const cjk = { ...spec, cjkWords: true };
  const counts: FeatureCounts = { words: 0 };
  const wordsOf = (text: string, s: FeatureSpec) => {
    const out = new Uint32Array(maxFeatures(s));
    extractFeatures(text, s, out, counts);
    return [...out.slice(0, counts.words)];
  };
  expect(wordsOf('東京大阪', cjk)).toHaveLength(4 + 3); // four characters and three bigrams
  expect(wordsOf('東京大阪', spec)).toHaveLength(1); // one run of letters
  expect(wordsOf('abc日本 def', cjk)).toHaveLength(4 + 3);
  // A character is the same word wherever it stands.
  expect(wordsOf('東京', cjk)[0]).toBe(wordsOf('大東', cjk)[1]); // 大, 東, 大東
  // Other scripts are untouched.
  expect(wordsOf('Grüße aus Köln', cjk)).toEqual(wordsOf('Grüße aus Köln', spec));
});

test('a long prompt: character n-grams only from the first `head` and last `tail` characters', () => {
  const long = 'lorem ipsum dolor '.repeat(400); // 7,200 characters, past MAX_CHARS too
  const window = { ...spec, head: 100, tail: 50, wordBigrams: false, shape: false, charMin: 4, charMax: 4 };
  const { grams } = features(long, window);
  const words = grams.length - 150; // one 4-gram per window position
  expect(words).toBeGreaterThan(0);
  expect(words).toBeLessThanOrEqual(6000 / 2);
});

test('shape features see line breaks, indentation, capitalised names and numbers', () => {
  const plain = features('please summarise the notes from the meeting').shape;
  const code = features('fix this:\n  for x in xs:\n    print(x)').shape;
  const names = features('Ask Priya Sharma whether Helios or Atlas owns ticket 4471 and PO 90031').shape;
  expect(code[0]).not.toBe(plain[0]); // lines
  expect(code[1]).not.toBe(plain[1]); // indented lines
  expect(names[2]).not.toBe(plain[2]); // capitalised words in mid-sentence
  expect(names[3]).not.toBe(plain[3]); // numbers
});

test('empty and whitespace-only text yield only the shape features', () => {
  expect(features('').grams.length).toBeLessThanOrEqual(3);
  expect(features(' \n\t ').grams).toEqual(features('').grams);
});
