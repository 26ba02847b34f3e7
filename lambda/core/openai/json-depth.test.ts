import { withinJsonDepth } from './json-depth';

const bytes = (text: string) => Buffer.from(text, 'utf8');

test('counts nesting of arrays and objects', () => {
  expect(withinJsonDepth(bytes('{"a":[{"b":[1]}]}'), 4)).toBe(true);
  expect(withinJsonDepth(bytes('{"a":[{"b":[1]}]}'), 3)).toBe(false);
  expect(withinJsonDepth(bytes('[[]],[[]]'), 2)).toBe(true);
});

test('brackets inside strings do not count, escaped quotes do not end a string', () => {
  expect(withinJsonDepth(bytes(JSON.stringify({ text: '[[[[[[{{{{{{' })), 1)).toBe(true);
  expect(withinJsonDepth(bytes(JSON.stringify({ text: 'say \\"[[[[\\" and "{{{{"' })), 1)).toBe(true);
  expect(withinJsonDepth(bytes('{"a":"\\\\"}'), 1)).toBe(true); // a string ending in an escaped backslash
});

test('a body of megabytes of brackets is refused after reading as far as the limit only', () => {
  const deep = Buffer.alloc(4 * 1024 * 1024, '[');
  expect(withinJsonDepth(deep, 64)).toBe(false);
});
