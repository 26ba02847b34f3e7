import * as z from 'zod/mini';
import '../zod-messages';

const budget = z.strictObject({
  /** Hard limit per calendar month (UTC), in integer micro-dollars. */
  monthlyMicroUsd: z.int().check(z.gte(0)),
});

/**
 * LLM spend budgets per tenant and per feature of a tenant, per calendar month, in integer
 * micro-dollars. `tenants` overrides the tenant budget of named tenants.
 */
export const budgetsSchema = z.strictObject({
  tenant: z.optional(budget),
  feature: z.optional(budget),
  tenants: z._default(z.record(z.string(), budget), {}),
  /** Percent of a budget at which a soft-threshold event is emitted. */
  softThresholdPercent: z._default(z.int().check(z.gte(1), z.lte(100)), 70),
  /**
   * How long a call that does not fit only because of what calls in flight hold waits for them to
   * settle (most give back most of what they reserved) before it is refused with a 429 to retry.
   */
  inFlightWaitMs: z._default(z.int().check(z.gte(0), z.lte(10_000)), 1_000),
  /**
   * Output tokens reserved for a request that sets no max_tokens, and the most a request may ask
   * for: a request without max_tokens is sent with this, and one asking for more is refused.
   */
  defaultMaxOutputTokens: z._default(z.int().check(z.gte(1)), 1024),
});
export type Budgets = z.output<typeof budgetsSchema>;
