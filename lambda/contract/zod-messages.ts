import * as z from 'zod/mini';

/**
 * English messages for validation issues. zod/mini ships no locale, and importing zod's would add
 * hundreds of kilobytes to the function bundle; these cover every check the gateway's schemas use.
 */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

const bound = (issue: { inclusive?: boolean }, inclusiveWord: string, exclusiveWord: string) =>
  issue.inclusive === false ? exclusiveWord : inclusiveWord;

export const messageFor: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? 'is required'
        : `expected ${issue.expected}, received ${describe(issue.input)}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `must have at most ${issue.maximum} ${issue.origin === 'array' ? 'items' : 'characters'}`
        : `must be ${bound(issue, 'at most', 'less than')} ${issue.maximum}`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `must have at least ${issue.minimum} ${issue.origin === 'array' ? 'item' : 'character'}${Number(issue.minimum) === 1 ? '' : 's'}`
        : `must be ${bound(issue, 'at least', 'more than')} ${issue.minimum}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'has the wrong format' : `must be a valid ${issue.format}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_union':
      // A discriminated union whose key (a deployment's `provider`) names none of its members.
      return issue.note === 'No matching discriminator' && Array.isArray(issue.options)
        ? `must be one of ${(issue.options as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
        : 'does not match any of the accepted forms';
    default:
      return undefined;
  }
};

z.config({ localeError: messageFor });
