import * as z from 'zod/mini';
import '../zod-messages';

export const remoteUrlsSchema = z.strictObject({
  /** `public`: https URLs of public hosts (and data: URLs); `none`: data: URLs only. */
  allow: z._default(z.enum(['public', 'none']), 'public'),
  /** A host name that does not resolve within this many milliseconds is refused. */
  resolveTimeoutMs: z._default(z.int().check(z.gte(10), z.lte(10_000)), 1_000),
  /** Longest URL accepted (data: URLs are bounded by the body size instead). */
  maxLength: z._default(z.int().check(z.gte(64), z.lte(65_536)), 2_048),
  /**
   * Distinct host names one request may name: each costs a DNS look-up, and a request with
   * thousands of hosts would otherwise make thousands of them.
   */
  maxHosts: z._default(z.int().check(z.gte(1), z.lte(256)), 8),
});
export type RemoteUrlSettings = z.output<typeof remoteUrlsSchema>;
