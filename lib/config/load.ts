import type { z } from 'zod';
import { environmentConfigSchema, type EnvironmentConfig, type EnvironmentConfigInput } from './schema';

/** Thrown when an environment entry does not satisfy the schema. Its message lists every problem. */
export class EnvironmentConfigError extends Error {
  constructor(
    readonly environment: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Invalid configuration for environment "${environment}":\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nFix the entry in lib/config/environments.ts (the schema is in lib/config/schema.ts).',
    );
    this.name = 'EnvironmentConfigError';
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length ? issue.path.map(String).join('.') : '(the entry)';
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${field}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_value':
      return `${field}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_type':
      return `${field}: ${issue.message.replace(/^Invalid input: /, '')}`;
    default:
      return `${field}: ${issue.message}`;
  }
}

/** Validates one environment entry; throws an {@link EnvironmentConfigError} naming every bad field. */
export function parseEnvironmentConfig(key: string, input: unknown): EnvironmentConfig {
  const result = environmentConfigSchema.safeParse(input);
  if (!result.success) {
    throw new EnvironmentConfigError(key, result.error.issues.map(describeIssue));
  }
  if (result.data.name !== key) {
    throw new EnvironmentConfigError(key, [
      `name: is "${result.data.name}" but the entry's key is "${key}"; make them equal`,
    ]);
  }
  return result.data;
}

/** Validates every entry of an environments record. */
export function parseEnvironments(entries: Readonly<Record<string, EnvironmentConfigInput>>): EnvironmentConfig[] {
  return Object.entries(entries).map(([key, input]) => parseEnvironmentConfig(key, input));
}

/** The CDK Stage id of an environment: `prod` -> `Prod`, `load-test` -> `LoadTest`. */
export function stageIdOf(env: Pick<EnvironmentConfig, 'name'>): string {
  return env.name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
