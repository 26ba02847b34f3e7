import * as z from 'zod/mini';
import '../zod-messages';

/** Tokens per minute and per day, each optional. */
export const windowLimitsSchema = z.strictObject({
  perMinute: z.optional(z.int().check(z.gte(1))),
  perDay: z.optional(z.int().check(z.gte(1))),
});

/**
 * Token limits, each per minute and per day: for every tenant, every user of a tenant and every
 * feature of a tenant; `tenants` overrides the tenant limits of named tenants.
 */
export const tokenLimitsSchema = z.strictObject({
  tenant: z.optional(windowLimitsSchema),
  user: z.optional(windowLimitsSchema),
  feature: z.optional(windowLimitsSchema),
  tenants: z._default(z.record(z.string(), windowLimitsSchema), {}),
  /** Output tokens reserved for a request that sets no max_tokens. */
  defaultMaxOutputTokens: z._default(z.int().check(z.gte(1)), 1024),
});
export type TokenLimits = z.output<typeof tokenLimitsSchema>;
export type WindowLimits = z.output<typeof windowLimitsSchema>;
