import { GatewayError } from '../../http/errors';
import type { TokenUsage } from '../../openai/types';
import { estimateTokens } from '../../openai/token-estimate';
import type { Admission, AdmissionControl, CallFacts } from '../../pipeline/ports';
import type { Bucket, BucketStore } from './bucket-store';
import type { TokenLimits, WindowLimits } from '../../../contract/config/token-limits';

const WINDOWS = { minute: 60_000, day: 86_400_000 } as const;
type Scope = 'tenant' | 'user' | 'feature';

/** The refusal in words a client can act on: which limit, how much, and when to retry. */
export function limitMessage(bucket: Bucket, requested: number, used: number, retryAfterSeconds: number): string {
  return (
    `Rate limit reached for ${bucket.name}: limit ${bucket.limit}, used ${used}, requested ${requested}. ` +
    `Retry after ${retryAfterSeconds} s.`
  );
}

/**
 * Admission by token budget per minute and per day. Reserves prompt + max output from every bucket
 * that applies to the call, atomically; settles with the real usage (refunding what was not used);
 * releases everything if the call fails.
 */
export class TokenLimiter implements AdmissionControl {
  constructor(
    private readonly limits: TokenLimits,
    private readonly store: BucketStore,
  ) {}

  buckets(facts: Pick<CallFacts, 'identity' | 'feature'>): Bucket[] {
    const tenant = facts.identity.tenant;
    const buckets: Bucket[] = [];
    const add = (scope: Scope, id: string | undefined, limits: WindowLimits | undefined) => {
      if (!id || !limits) return;
      for (const window of ['minute', 'day'] as const) {
        const limit = window === 'minute' ? limits.perMinute : limits.perDay;
        if (limit) {
          buckets.push({
            id: `${scope}:${id}:${window}`,
            name: `tokens per ${window} for ${scope} '${id}'`,
            group: tenant,
            limit,
            windowMs: WINDOWS[window],
          });
        }
      }
    };
    add('tenant', tenant, this.limits.tenants[tenant] ?? this.limits.tenant);
    add('user', facts.identity.user, this.limits.user);
    add('feature', facts.feature, this.limits.feature);
    return buckets;
  }

  async admit(facts: CallFacts): Promise<Admission> {
    const buckets = this.buckets(facts);
    const { input, maxOutput } = estimateTokens(facts.request, this.limits.defaultMaxOutputTokens);
    const reserved = input + maxOutput;
    if (buckets.length === 0) return { settle: async () => undefined, release: async () => undefined };
    const outcome = await this.store.reserve(buckets, reserved);
    if (!outcome.admitted) {
      const retryAfter = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
      throw GatewayError.rateLimited(
        limitMessage(outcome.bucket, reserved, outcome.used, retryAfter),
        retryAfter,
        'tokens_rate_limited',
      );
    }
    let open = true;
    const close = async (used: number) => {
      if (!open) return;
      open = false;
      await this.store.settle(outcome, used);
    };
    return {
      settle: (usage: TokenUsage) => close(usage.inputTokens + usage.outputTokens),
      release: () => close(0),
    };
  }
}
