import { captureOutput } from '../../../test/support/capture-output';
import { createPlatformLogger } from './logger';
import { REDACTED, redact, redactText } from './redact';

test('secrets and prompt text are withheld by key, at any depth', () => {
  const logged = redact({
    headers: { Authorization: 'Bearer abc', 'x-api-key': 'k', cookie: 'c', 'content-type': 'application/json' },
    request: { messages: [{ role: 'user', content: 'hi' }], prompt: 'p', input: ['a'], model: 'gpt' },
    answer: { choices: [{ text: 't' }] },
    password: 'hunter2',
    inputTokens: 12,
    tokenLimit: 'n/a',
  });
  expect(logged).toEqual({
    headers: { Authorization: REDACTED, 'x-api-key': REDACTED, cookie: REDACTED, 'content-type': 'application/json' },
    request: { messages: REDACTED, prompt: REDACTED, input: REDACTED, model: 'gpt' },
    answer: { choices: REDACTED },
    password: REDACTED,
    inputTokens: 12,
    tokenLimit: 'n/a',
  });
});

test.each([
  ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig', 'Authorization: Bearer [REDACTED]'],
  ['key sk-ant-api03-AbCdEfGhIjKlMnOp rejected', 'key [REDACTED] rejected'],
  ['aws AKIAIOSFODNN7EXAMPLE used', 'aws [REDACTED] used'],
  ['url ?api_key=abc123&x=1', 'url ?api_key=[REDACTED]&x=1'],
  ['{"password":"hunter2"}', '{"password":"[REDACTED]"}'],
  ['mail jane.doe+x@example.co.uk now', 'mail [REDACTED:email] now'],
  ['card 4111 1111 1111 1111 ok', 'card [REDACTED:card] ok'],
  ['card 5500-0000-0000-0004', 'card [REDACTED:card]'],
  ['ssn 123-45-6789', 'ssn [REDACTED:ssn]'],
  ['call +44 20 7946 0958 or (415) 555-0134', 'call [REDACTED:phone] or [REDACTED:phone]'],
])('value rule: %s', (text, expected) => {
  expect(redactText(text)).toBe(expected);
});

test.each([
  '2026-12-01T21:41:44.826Z',
  'request 3f2a9c1e-7b4d-4e8f-9a6b-1c2d3e4f5a6b',
  'trace 1-5759e988-bd862e3fe1be46a994272793',
  'order 1234567812345678 is not a card number (Luhn fails)',
  'latency 1234.567 ms over 42 calls',
])('harmless text is left alone: %s', (text) => {
  expect(redactText(text)).toBe(text);
});

test('the platform logger writes redacted JSON lines, errors included', () => {
  const output = captureOutput();
  try {
    const logger = createPlatformLogger({ serviceName: 'test' });
    logger.info('call', { headers: { authorization: 'Bearer sk-live-1234567890abcdef' }, user: 'jane@example.com' });
    logger.error('failed', new Error('provider said: key sk-live-1234567890abcdef is invalid'));
  } finally {
    output.restore();
  }
  const lines = output.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines[0]).toMatchObject({ message: 'call', headers: { authorization: REDACTED }, user: '[REDACTED:email]' });
  expect(JSON.stringify(lines[1])).not.toContain('sk-live');
  expect(lines[1]).toMatchObject({ error: { message: 'provider said: key [REDACTED] is invalid' } });
});
