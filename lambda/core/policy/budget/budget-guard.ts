import { GatewayError } from '../../http/errors';
import type { Admission, AdmissionControl, CallFacts } from '../../pipeline/ports';
import { costMicroUsd } from '../../trace/cost';
import { CALENDAR_MONTH, type Bucket, type BucketStore, type Refused, type Reserved } from '../limits/bucket-store';
import { estimateTokens } from '../../openai/token-estimate';
import type { Budgets } from '../../../contract/config/budgets';

export interface SoftThresholdEvent {
  readonly budget: string;
  readonly tenant: string;
  readonly spentMicroUsd: number;
  readonly limitMicroUsd: number;
}

/**
 * Admission by money. Before the call it reserves the most the call can cost on the most expensive
 * deployment it may reach (prompt estimate plus max output), so that concurrent calls cannot
 * overshoot: spend never exceeds a budget by more than the gap between an estimate and a count. After
 * the call the reservation is replaced by the real cost.
 */
export class BudgetGuard implements AdmissionControl {
  constructor(
    private readonly budgets: Budgets,
    private readonly store: BucketStore,
    private readonly onSoftThreshold: (event: SoftThresholdEvent) => void = () => undefined,
    /** Milliseconds. */
    private readonly now: () => number = Date.now,
  ) {}

  buckets(facts: Pick<CallFacts, 'identity' | 'feature'>): Bucket[] {
    const tenant = facts.identity.tenant;
    const buckets: Bucket[] = [];
    const tenantBudget = this.budgets.tenants[tenant] ?? this.budgets.tenant;
    if (tenantBudget) {
      buckets.push({
        id: `budget:tenant:${tenant}`,
        name: `the monthly budget of tenant '${tenant}'`,
        group: tenant,
        limit: tenantBudget.monthlyMicroUsd,
        windowMs: CALENDAR_MONTH,
      });
    }
    if (facts.feature && this.budgets.feature) {
      buckets.push({
        id: `budget:feature:${facts.feature}`,
        name: `the monthly budget of feature '${facts.feature}'`,
        group: tenant,
        limit: this.budgets.feature.monthlyMicroUsd,
        windowMs: CALENDAR_MONTH,
      });
    }
    return buckets;
  }

  /** The most this call can cost, on whichever of its deployments costs most. */
  maxCost(facts: CallFacts): number {
    const { input, maxOutput } = estimateTokens(facts.request, this.budgets.defaultMaxOutputTokens);
    const usage = { inputTokens: input, outputTokens: maxOutput, cachedInputTokens: 0 };
    return Math.max(0, ...facts.model.deployments.map((d) => costMicroUsd(d.deployment.pricing, usage)));
  }

  async admit(facts: CallFacts): Promise<Admission> {
    const buckets = this.buckets(facts);
    if (buckets.length === 0) return { settle: async () => undefined, release: async () => undefined };
    const reserved = this.maxCost(facts);
    const outcome = await this.reserve(buckets, reserved);
    if (!outcome.admitted) throw refusal(outcome, reserved);
    let open = true;
    const close = async (cost: number) => {
      if (!open) return;
      open = false;
      const totals = await this.store.settle(outcome, cost);
      buckets.forEach((bucket, i) => this.checkSoftThreshold(bucket, totals[i], cost));
    };
    return { settle: (_usage, cost) => close(cost), release: () => close(0) };
  }

  /**
   * A reservation, waiting a little when only calls in flight stand in the way: their reservations
   * are worst cases, and most of each comes back when they settle, often within the wait.
   */
  private async reserve(buckets: readonly Bucket[], amount: number): Promise<Reserved | Refused> {
    const deadline = this.now() + this.budgets.inFlightWaitMs;
    for (let pause = IN_FLIGHT_POLL_MS; ; pause = Math.min(pause * 2, 200)) {
      const outcome = await this.store.reserve(buckets, amount);
      if (outcome.admitted || !outcome.inFlight || this.now() + pause > deadline) return outcome;
      await new Promise((resolve) => setTimeout(resolve, pause * (0.5 + Math.random())));
    }
  }

  /** Judged on settled spend: what the bucket held before this call's cost was added. */
  private checkSoftThreshold(bucket: Bucket, spent: number, cost: number): void {
    const threshold = (bucket.limit * this.budgets.softThresholdPercent) / 100;
    if (cost > 0 && spent - cost < threshold && spent >= threshold) {
      this.onSoftThreshold({
        budget: bucket.id,
        tenant: bucket.group,
        spentMicroUsd: spent,
        limitMicroUsd: bucket.limit,
      });
    }
  }
}

/** How often a reservation that waits for calls in flight asks again, at first. */
const IN_FLIGHT_POLL_MS = 25;

/**
 * A budget's refusal in words a client can act on. Spent: `insufficient_quota` until the month
 * renews. Held by calls in flight: a transient 429 (`rate_limit_exceeded`) with a short Retry-After,
 * which SDKs retry on their own.
 */
function refusal(outcome: Refused, reserved: number): GatewayError {
  const { bucket, used } = outcome;
  if (outcome.inFlight) {
    return GatewayError.rateLimited(
      `Budget busy: ${bucket.name} is ${formatUsd(bucket.limit)}, and calls in flight hold ${formatUsd(used)} of it ` +
        `until they finish; this request may cost up to ${formatUsd(reserved)}. Retry after 1 s.`,
      1,
    );
  }
  const retryAfter = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
  return new GatewayError(
    429,
    'rate_limit_error',
    `Budget exhausted: ${bucket.name} is ${formatUsd(bucket.limit)}, ${formatUsd(used)} is spent, ` +
      `and this request may cost up to ${formatUsd(reserved)}. It renews in ${retryAfter} s.`,
    { code: 'insufficient_quota', retryAfterSeconds: retryAfter },
  );
}

function formatUsd(microUsd: number): string {
  return `$${(microUsd / 1_000_000).toFixed(6).replace(/0{1,4}$/, '')}`;
}
