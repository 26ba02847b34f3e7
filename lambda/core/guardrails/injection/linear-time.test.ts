import { checkSync } from 'recheck';
import { DECODER_PATTERNS } from './decoders';
import { NORMALISER_PATTERNS } from './normalise';
import { RULE_PATTERNS, termPattern } from './patterns';

/**
 * Every regular expression the detector runs over untrusted text must be safe from catastrophic
 * backtracking (ReDoS): recheck proves each one linear, or finds an attack string.
 */
const patterns = [...RULE_PATTERNS, ...NORMALISER_PATTERNS, ...DECODER_PATTERNS];

test.each(patterns.map((pattern) => [pattern.source.slice(0, 60), pattern] as const))(
  'recheck finds %s safe',
  (_name, pattern) => {
    const diagnostics = checkSync(pattern.source, pattern.flags, { timeout: 20_000 });
    expect({ status: diagnostics.status, source: pattern.source }).toEqual({ status: 'safe', source: pattern.source });
  },
);

test('the check is real: recheck rejects a nested quantifier', () => {
  expect(checkSync('^(a+)+$', '').status).toBe('vulnerable');
});

test('a term set is one alternation of escaped literals, at word starts for spaced scripts', () => {
  const pattern = termPattern(['ignore', 'a.i.', '忽略']);
  expect(pattern.test('please ignore it')).toBe(true);
  pattern.lastIndex = 0;
  expect(pattern.test('unignorable')).toBe(false);
  pattern.lastIndex = 0;
  expect(pattern.test('aXiX')).toBe(false);
  pattern.lastIndex = 0;
  expect(pattern.test('请忽略')).toBe(true);
  expect(() => termPattern([])).toThrow();
});
