import * as z from 'zod/mini';
import '../zod-messages';

/**
 * What the limits do when the shared store (Redis) cannot answer:
 * - `fail-closed`: refuse the call (503) — nothing is spent that cannot be counted;
 * - `local-fallback`: count in this instance only, against `localFraction` of each limit — calls go
 *   on, and N instances together admit at most N x fraction of a limit until Redis is back.
 * Either way the decision comes within `decisionTimeoutMs`, never a hang.
 */
export const storeDownPolicySchema = z.strictObject({
  mode: z._default(z.enum(['fail-closed', 'local-fallback']), 'local-fallback'),
  localFraction: z._default(z.number().check(z.gt(0), z.lte(1)), 0.25),
  decisionTimeoutMs: z._default(z.int().check(z.gte(1), z.lte(1_000)), 80),
});
export type StoreDownPolicy = z.output<typeof storeDownPolicySchema>;
