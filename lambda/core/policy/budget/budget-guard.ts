import { GatewayError } from '../../http/errors';
import type { Admission, AdmissionControl, CallFacts } from '../../pipeline/ports';
import { costMicroUsd } from '../../trace/cost';
import { CALENDAR_MONTH, type Bucket, type BucketStore } from '../limits/bucket-store';
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
    const outcome = await this.store.reserve(buckets, reserved);
    if (!outcome.admitted) {
      const { bucket, used } = outcome;
      const retryAfter = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
      throw new GatewayError(
        429,
        'rate_limit_error',
        `Budget exhausted: ${bucket.name} is ${formatUsd(bucket.limit)}, ${formatUsd(used)} is spent or reserved, ` +
          `and this request may cost up to ${formatUsd(reserved)}. It renews in ${retryAfter} s.`,
        { code: 'insufficient_quota', retryAfterSeconds: retryAfter },
      );
    }
    let open = true;
    const close = async (cost: number) => {
      if (!open) return;
      open = false;
      const totals = await this.store.settle(outcome, cost - reserved);
      buckets.forEach((bucket, i) => {
        const threshold = (bucket.limit * this.budgets.softThresholdPercent) / 100;
        // Judged on settled spend: what the bucket held before this call's cost was added.
        const before = totals[i] - cost;
        if (cost > 0 && before < threshold && totals[i] >= threshold) {
          this.onSoftThreshold({
            budget: bucket.id,
            tenant: bucket.group,
            spentMicroUsd: totals[i],
            limitMicroUsd: bucket.limit,
          });
        }
      });
    };
    return { settle: (_usage, cost) => close(cost), release: () => close(0) };
  }
}

function formatUsd(microUsd: number): string {
  return `$${(microUsd / 1_000_000).toFixed(6).replace(/0{1,4}$/, '')}`;
}
