import type { Env } from './redis';

/** A value the function's construct sets; its absence is a wiring mistake, named as such. */
export function requiredEnv(env: Env, name: string, construct: string): string {
  const value = env[name];
  if (!value)
    throw new Error(`This function needs the environment variable ${name}; the ${construct} construct sets it.`);
  return value;
}

export function positiveIntegerEnv(env: Env, name: string, construct: string): number {
  const text = requiredEnv(env, name, construct);
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`The environment variable ${name} is "${text}"; it must be a whole number of at least 1.`);
  return value;
}
