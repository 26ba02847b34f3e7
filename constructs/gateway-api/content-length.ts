/**
 * A regular expression that matches exactly the decimal numbers greater than `limit` (leading
 * zeros allowed), for a WAF rule on the Content-Length header. WAF can inspect at most the first
 * 64 KB of a body, so a size rule at the gateway's multi-megabyte limit has to read the declared
 * length instead.
 */
export function greaterThanPattern(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`limit must be a whole number, not ${limit}`);
  const digits = String(limit);
  const alternatives = [`[1-9][0-9]{${digits.length},}`]; // more digits than the limit
  for (let i = 0; i < digits.length; i++) {
    // Same length: equal up to digit i, then a larger digit there, then anything.
    const digit = Number(digits[i]);
    if (digit === 9) continue;
    const rest = digits.length - i - 1;
    const larger = digit === 8 ? '9' : `[${digit + 1}-9]`;
    alternatives.push(`${digits.slice(0, i)}${larger}${rest > 0 ? `[0-9]{${rest}}` : ''}`);
  }
  return `^0*(${alternatives.join('|')})$`;
}
