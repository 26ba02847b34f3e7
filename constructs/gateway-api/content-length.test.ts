import fc from 'fast-check';
import { greaterThanPattern } from './content-length';

describe('greaterThanPattern', () => {
  test('matches exactly the numbers above the limit, for any limit and any number', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1e12 }), fc.nat({ max: 1e13 }), fc.nat({ max: 3 }), (limit, value, zeros) => {
        const pattern = new RegExp(greaterThanPattern(limit));
        expect(pattern.test('0'.repeat(zeros) + String(value))).toBe(value > limit);
      }),
      { numRuns: 2000 },
    );
  });

  test('is exact at the gateway’s default limit of 4 MiB', () => {
    const pattern = new RegExp(greaterThanPattern(4_194_304));
    expect(['4194304', '4194303', '0', '1024', '004194304'].filter((v) => pattern.test(v))).toEqual([]);
    expect(['4194305', '4194310', '4200000', '10000000', '99999999999'].every((v) => pattern.test(v))).toBe(true);
    expect(pattern.test('4194305 ')).toBe(false);
    expect(pattern.test('-5')).toBe(false);
  });

  test('fits in a WAF regex (at most 512 characters) for any body limit API Gateway allows', () => {
    expect(greaterThanPattern(10 * 1024 * 1024).length).toBeLessThan(512);
  });
});
