import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Where the local server keeps the webhook signing secret it generates, so that the secret never
 * has to be printed: `npm run webhook:receive` reads the same file. Relative to the working
 * directory (the repository, for `npm start`); git ignores `.local/`.
 */
export const LOCAL_WEBHOOK_SECRET_FILE = path.join('.local', 'jobs-webhook-secret');

export interface LocalWebhookSecret {
  readonly secret: string;
  /** Where it came from, for the banner: never the secret itself. */
  readonly source: string;
}

/**
 * JOBS_WEBHOOK_SECRET when set; else the secret in the local file, made once (owner-only) and kept
 * across restarts so a running receiver keeps verifying.
 */
export function localWebhookSecret(env: NodeJS.ProcessEnv, file = LOCAL_WEBHOOK_SECRET_FILE): LocalWebhookSecret {
  if (env.JOBS_WEBHOOK_SECRET) return { secret: env.JOBS_WEBHOOK_SECRET, source: 'JOBS_WEBHOOK_SECRET' };
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${randomBytes(33).toString('base64')}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return { secret: readFileSync(file, 'utf8').trim(), source: `the secret in ${file}` };
}

/** The secret a local receiver verifies with: JOBS_WEBHOOK_SECRET, else the local server's file. */
export function receiverWebhookSecret(env: NodeJS.ProcessEnv, file = LOCAL_WEBHOOK_SECRET_FILE): string | undefined {
  if (env.JOBS_WEBHOOK_SECRET) return env.JOBS_WEBHOOK_SECRET;
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** A connection URL as a banner may show it: the password masked, or nothing at all if unreadable. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '****';
    return parsed.toString();
  } catch {
    return '(REDIS_URL, not shown)';
  }
}
