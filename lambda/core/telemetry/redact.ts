/**
 * Redaction for everything the platform logs. Two layers, because the first can be forgotten:
 *
 * 1. By key: values under keys that name secrets (Authorization headers, API keys, passwords,
 *    tokens) or prompt and completion text (messages, prompt, content, input, choices...) are
 *    replaced whole, however deep they sit in the logged object.
 * 2. By value: any string still logged is scrubbed of things that look like credentials (bearer
 *    tokens, provider keys, AWS access keys, key=value secrets) and like personal data (e-mail
 *    addresses, payment card numbers, phone and social security numbers), so that a provider error
 *    message that echoes a prompt cannot carry them out.
 *
 * Token counts (`inputTokens`) and other harmless keys that merely contain a sensitive word are
 * left alone: key rules match whole key names.
 */

export const REDACTED = '[REDACTED]';

const SECRET_KEY =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|apikey|x-amz-security-token|password|passwd|secret|client[-_]?secret|access[-_]?token|refresh[-_]?token|id[-_]?token|session[-_]?token|token|bearer|private[-_]?key|credentials?|secret[-_]?access[-_]?key|api[-_]?keys)$/i;

/** Keys whose values are prompt or completion text (the OpenAI, Anthropic and Bedrock shapes). */
const CONTENT_KEY =
  /^(messages|message_content|prompt|prompts|content|contents|input|inputs|instructions|completion|choices|delta|text|system|arguments|body|tool_calls|query|documents)$/i;

const VALUE_RULES: ReadonlyArray<readonly [RegExp, string | ((match: string, ...groups: string[]) => string)]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi, `$1 ${REDACTED}`],
  // OpenAI, Anthropic and similar provider keys: sk-..., sk-ant-..., sk-proj-...
  [/\bsk-[A-Za-z0-9_-]{8,}/g, REDACTED],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, REDACTED],
  [/\b(api[-_]?key|apikey|password|passwd|secret|token)(["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi, `$1$2${REDACTED}`],
  // Every run of local-part characters is consumed whole, with or without an address after it, so
  // the scan goes on after the run: `[...]+@...` alone rescans a long run with no `@` from each of
  // its characters (quadratic: 40k characters, 2 s). The group is optional, so nothing backtracks
  // into the run; a run without its `@` part is kept as it was.
  [
    /[A-Za-z0-9._%+-]+(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?/g,
    (run: string, address?: string) => (address ? '[REDACTED:email]' : run),
  ],
  [/\b\d{3}-\d{2}-\d{4}\b/g, '[REDACTED:ssn]'],
  [/(\+\d{1,3}[\s.-]?)(\(?\d{1,4}\)?[\s.-]?){2,4}\d{2,4}\b/g, '[REDACTED:phone]'],
  [/\(\d{3}\)\s?\d{3}[\s.-]\d{4}\b|\b\d{3}[.-]\d{3}[.-]\d{4}\b/g, '[REDACTED:phone]'],
];

/** Card numbers: 13 to 19 digits, optionally grouped by spaces or dashes, that pass the Luhn check. */
const CARD = /\b\d(?:[ -]?\d){12,18}\b/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** A string with credentials and personal data replaced. */
export function redactText(text: string): string {
  let result = text;
  for (const [pattern, replacement] of VALUE_RULES) {
    result =
      typeof replacement === 'string' ? result.replace(pattern, replacement) : result.replace(pattern, replacement);
  }
  return result.replace(CARD, (match) => (luhn(match.replace(/[ -]/g, '')) ? '[REDACTED:card]' : match));
}

/** Whether a key's value is withheld entirely. */
export function isRedactedKey(key: string): boolean {
  return SECRET_KEY.test(key) || CONTENT_KEY.test(key);
}

/**
 * A `JSON.stringify` replacer applying both layers: what the platform's logger serializes every log
 * item with. Numbers, booleans and null pass through.
 */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (key !== '' && isRedactedKey(key) && value !== undefined && value !== null) return REDACTED;
  if (typeof value === 'string') return redactText(value);
  return value;
}

/** A deep copy of `value` with both layers applied, for sinks that do not serialize with the replacer. */
export function redact<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, redactingReplacer)) as T;
}
