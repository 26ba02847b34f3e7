/** A kill-switch flag's scope: the platform, one tenant, or one feature (`x-llm-feature`). */
export type KillScope = 'global' | `tenant:${string}` | `feature:${string}`;

/** The Redis key of one flag: the one place its format is written down. */
export function killSwitchKey(prefix: string, scope: KillScope): string {
  return `${prefix}kill:${scope}`;
}
