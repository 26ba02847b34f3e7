import { GatewayError } from '../../http/errors';
import { type Bucket, type BucketStore, type Refused, type Reserved, InMemoryBucketStore } from './bucket-store';
import { withDeadline } from '../../util/deadline';
import type { StoreDownPolicy } from '../../../contract/config/limits-store-down';

export type StoreHealthEvent =
  | { readonly type: 'limits.store_unavailable'; readonly mode: StoreDownPolicy['mode']; readonly error: string }
  | { readonly type: 'limits.store_recovered'; readonly outageMs: number };

interface LocalReservation extends Reserved {
  readonly local: true;
}

export class ResilientBucketStore implements BucketStore {
  private readonly local = new InMemoryBucketStore();
  private downSince: number | undefined;
  /**
   * Calls are numbered, so that answers arriving out of order at the edges of an outage (a call
   * made before Redis died that succeeds after the first failure, or one made before it came back
   * that fails after the first success) do not report a second outage or recovery.
   */
  private calls = 0;
  private lastCallBeforeOutage = 0;
  private lastCallBeforeRecovery = 0;

  constructor(
    private readonly shared: BucketStore,
    private readonly policy: StoreDownPolicy,
    private readonly onHealth: (event: StoreHealthEvent) => void,
    private readonly now: () => number = Date.now,
  ) {}

  private withDeadline<T>(work: Promise<T>): Promise<T> {
    return withDeadline(work, this.policy.decisionTimeoutMs);
  }

  private markDown(error: unknown, call: number): void {
    if (this.downSince !== undefined || call <= this.lastCallBeforeRecovery) return;
    this.downSince = this.now();
    this.lastCallBeforeOutage = this.calls;
    this.onHealth({ type: 'limits.store_unavailable', mode: this.policy.mode, error: (error as Error).message });
  }

  private markUp(call: number): void {
    if (this.downSince === undefined || call <= this.lastCallBeforeOutage) return;
    this.onHealth({ type: 'limits.store_recovered', outageMs: this.now() - this.downSince });
    this.downSince = undefined;
    this.lastCallBeforeRecovery = this.calls;
  }

  async reserve(buckets: readonly Bucket[], amount: number): Promise<Reserved | Refused> {
    return this.reserveUnder(this.policy.mode, buckets, amount);
  }

  /**
   * The same store, refusing whenever the shared store cannot answer, whatever the policy: for
   * money. A local count of a budget would let each instance spend its fraction of the whole month
   * unseen by the others (N instances, N fractions), and spend must never pass a budget by more
   * than one request. Outages are tracked and reported once, with the token limits'.
   */
  failingClosed(): BucketStore {
    return {
      reserve: (buckets, amount) => this.reserveUnder('fail-closed', buckets, amount),
      settle: (reservation, used) => this.settle(reservation, used),
    };
  }

  private async reserveUnder(
    mode: StoreDownPolicy['mode'],
    buckets: readonly Bucket[],
    amount: number,
  ): Promise<Reserved | Refused> {
    const call = ++this.calls;
    const shared = this.shared.reserve(buckets, amount);
    try {
      const outcome = await this.withDeadline(shared);
      this.markUp(call);
      return outcome;
    } catch (error) {
      this.markDown(error, call);
      this.releaseIfLate(shared);
      if (mode === 'fail-closed') {
        throw new GatewayError(
          503,
          'api_error',
          'Usage limits cannot be checked right now, so the call was not made. Retry shortly.',
          {
            code: 'limits_unavailable',
            retryAfterSeconds: 1,
            cause: error,
          },
        );
      }
      const scaled = buckets.map((b) => ({
        ...b,
        limit: Math.max(1, Math.floor(b.limit * this.policy.localFraction)),
      }));
      const outcome = await this.local.reserve(scaled, amount);
      return outcome.admitted ? ({ ...outcome, local: true } as LocalReservation) : outcome;
    }
  }

  /**
   * A reservation the shared store made after this call stopped waiting for it is never used: it
   * is given back when it lands, or it would hold its amount until the window ends (a month, for a
   * budget).
   */
  private releaseIfLate(shared: Promise<Reserved | Refused>): void {
    shared
      .then(
        (late) => (late.admitted ? this.shared.settle(late, 0) : undefined),
        () => undefined,
      )
      .catch(() => undefined);
  }

  async settle(reservation: Reserved, used: number): Promise<number[]> {
    if ((reservation as LocalReservation).local) return this.local.settle(reservation, used);
    const call = ++this.calls;
    try {
      return await this.withDeadline(this.shared.settle(reservation, used));
    } catch (error) {
      // The reservation stays as taken: the window will expire it. Counting too much is the safe side.
      this.markDown(error, call);
      return reservation.keys.map(() => 0);
    }
  }
}
