import { z } from 'zod';

/** The gateway function and its API edge, per environment (lib/llm-platform-stack.ts reads them). */
const throttle = z.strictObject({
  /** Steady requests per second. */
  rateLimit: z.number().positive(),
  /** Requests at once above the steady rate. */
  burstLimit: z.int().positive(),
});

export const gatewayConfigSchema = z.strictObject({
  /** Memory of the gateway function, MiB (CPU grows with it). */
  memoryMb: z.int().min(128).max(10240).default(1024),
  /** Concurrency reserved for, and capping, the gateway function. */
  reservedConcurrency: z.int().min(1).default(50),
  /** How long one request (a streamed answer included) may run: at most 15 minutes. */
  timeoutSeconds: z.int().min(60).max(900).default(900),
});

const tierName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, {
  message: 'must be a lower-case name: letters, digits, ".", "_" or "-"',
});

export const apiConfigSchema = z.strictObject({
  /** Every caller of the stage together. */
  throttle: throttle.default({ rateLimit: 100, burstLimit: 200 }),
  /** Requests one client IP may send in 5 minutes before the firewall blocks it. */
  wafRatePerIp: z.int().min(10).default(3000),
  /** How long a key's verdict is cached, so how long a revoked key may still work. */
  authorizerCacheSeconds: z.int().min(0).max(3600).default(60),
  /** Usage tiers: each key names one; its usage plan throttles (and caps) the tier. */
  tiers: z
    .record(tierName, throttle.extend({ quotaPerDay: z.int().positive().optional() }))
    .refine((tiers) => Object.keys(tiers).length > 0, { message: 'name at least one tier' })
    .default({ standard: { rateLimit: 50, burstLimit: 100 } }),
});
