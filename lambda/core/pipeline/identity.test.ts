import { childTraceparent, requestIdOf, sha256Hex } from './identity';

describe('trace context for the upstream call', () => {
  test("continues the caller's trace with a new parent id and the caller's flags", () => {
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
    const child = childTraceparent(incoming);
    expect(child).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
    expect(child.split('-')[2]).not.toBe('b7ad6b7169203331');
  });

  test('starts a new sampled trace when there is none, or it is malformed or all zeros', () => {
    for (const incoming of [undefined, 'garbage', `00-${'0'.repeat(32)}-b7ad6b7169203331-01`]) {
      expect(childTraceparent(incoming)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    }
  });

  test('ids stay unique across many calls (the random pool is refilled, never reused)', () => {
    const ids = Array.from({ length: 2_000 }, () => childTraceparent(undefined));
    expect(new Set(ids.map((id) => id.split('-')[1])).size).toBe(ids.length);
    expect(new Set(ids.map((id) => id.split('-')[2])).size).toBe(ids.length);
  });
});

test('request ids: a sane client id is echoed, anything else is replaced', () => {
  expect(requestIdOf('req-123_abc:1.2')).toBe('req-123_abc:1.2');
  expect(requestIdOf('has spaces')).toMatch(/^[0-9a-f-]{36}$/);
  expect(requestIdOf('x'.repeat(129))).toMatch(/^[0-9a-f-]{36}$/);
});

test('sha256Hex is the hex SHA-256', () => {
  expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
