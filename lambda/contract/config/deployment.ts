import * as z from 'zod/mini';
import '../zod-messages';

/**
 * What every deployment has, whichever provider serves it. A provider's own fields (where it is,
 * its region) are in its leaf under `providers/`, which owns its kind name.
 *
 * Prices are integers in micro-dollars (1e-6 USD) per million tokens, so $2.50 per 1M tokens is
 * 2_500_000. A call's cost is the exact sum over token kinds, rounded up once to a whole
 * micro-dollar: spend is never under-counted.
 */
const microDollarsPerMillionTokens = () => z.int().check(z.gte(0), z.lte(1_000_000_000));
export const positiveMs = (fallback: number) => z._default(z.int().check(z.gte(1)), fallback);

const commonFields = {
  /** The upstream model id sent to the provider. */
  model: z.string().check(z.minLength(1)),
  /** Name of the credential (a Secrets Manager secret when deployed) that holds the API key. */
  credential: z.optional(z.string().check(z.regex(/^[a-z][a-z0-9-]*$/))),
  timeouts: z.prefault(
    z.strictObject({
      /** Headers (and, for streams, the first event) must arrive within this. */
      firstByteMs: positiveMs(10_000),
      /** The whole response must complete within this. */
      totalMs: positiveMs(300_000),
      /** A stream that sends nothing for this long after its first event is cut (and counted as failed). */
      idleMs: positiveMs(30_000),
    }),
    {},
  ),
  pricing: z.strictObject({
    input: microDollarsPerMillionTokens(),
    output: microDollarsPerMillionTokens(),
    cachedInput: z.optional(microDollarsPerMillionTokens()),
  }),
};

/** An http(s) URL: where an HTTP provider is. Missing, the message names the provider that needs it. */
export const httpUrl = (requiredBy?: string) =>
  z.url({
    protocol: /^https?$/,
    error: (issue) =>
      issue.input === undefined && requiredBy ? `is required for provider "${requiredBy}"` : undefined,
  });

/** One provider's deployment entry: its kind, the common fields and its own. */
export function providerDeployment<const K extends string, S extends z.core.$ZodLooseShape>(kind: K, fields: S) {
  return z.strictObject({ provider: z.literal(kind), ...commonFields, ...fields });
}
