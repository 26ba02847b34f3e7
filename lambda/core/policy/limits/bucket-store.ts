/**
 * Buckets that limit what calls may take, shared by the token limits and the budgets.
 *
 * - A rolling bucket (`windowMs > 0`) refills continuously: it holds at most `limit` and drains at
 *   `limit / windowMs` per millisecond (a token bucket, the generic cell rate algorithm's twin). A
 *   burst can never take more than `limit` at once, across any boundary: there is none.
 * - A calendar bucket (`windowMs === CALENDAR_MONTH`) counts per calendar month (UTC), for budgets:
 *   what is spent, and apart from it what calls in flight hold. A call that does not fit only
 *   because of what others hold is told so (`inFlight`): that clears as they settle, while a
 *   budget that is spent stays spent until the month renews.
 *
 * A reservation takes the same amount from every bucket of a call, or from none; settling it
 * replaces what it took with what the call used.
 */
export interface Bucket {
  /** Stable id of the bucket, e.g. `tenant:acme:minute`. */
  readonly id: string;
  /** What the limit is, in words, for the refusal message: `tokens per minute for tenant 'acme'`. */
  readonly name: string;
  /** Hash-tag group: all of one call's buckets share it (one Redis slot). The tenant. */
  readonly group: string;
  readonly limit: number;
  /** Refill period in ms (the bucket refills `limit` per period), or {@link CALENDAR_MONTH}. */
  readonly windowMs: number;
}

/** The window length that means "calendar month, UTC" (budgets are monthly). */
export const CALENDAR_MONTH = -1;

/** The calendar month `now` falls in: its index and when it ends. Same arithmetic as the Redis script. */
export function windowOf(now: number, windowMs: number): { index: number; endsAt: number } {
  if (windowMs > 0) {
    const index = Math.floor(now / windowMs);
    return { index, endsAt: (index + 1) * windowMs };
  }
  const date = new Date(now);
  const index = date.getUTCFullYear() * 12 + date.getUTCMonth();
  return { index, endsAt: Date.UTC(Math.floor((index + 1) / 12), (index + 1) % 12, 1) };
}

export interface Reserved {
  readonly admitted: true;
  /** The keys the amount was taken from (a calendar bucket's names its month), for the settlement. */
  readonly keys: readonly string[];
  /** Each key's bucket: its limit and period, which a rolling bucket's settlement needs. */
  readonly buckets: readonly Bucket[];
  readonly amount: number;
}

export interface Refused {
  readonly admitted: false;
  /** The bucket that refused. */
  readonly bucket: Bucket;
  readonly retryAfterMs: number;
  /** What that bucket holds now (spent, and held by calls in flight). */
  readonly used: number;
  /**
   * Only calls in flight stand in the way: what they hold will mostly come back when they settle.
   * Never set for a rolling bucket, whose refill `retryAfterMs` already says.
   */
  readonly inFlight: boolean;
}

export interface BucketStore {
  reserve(buckets: readonly Bucket[], amount: number): Promise<Reserved | Refused>;
  /**
   * Replaces what the reservation took with what the call `used` (0 for a call that failed).
   * Returns each bucket's level after it: a rolling bucket's fill, a calendar bucket's spend.
   */
  settle(reservation: Reserved, used: number): Promise<number[]>;
}

/** A rolling bucket's fill `elapsedMs` after it was `level`. */
export function drained(level: number, elapsedMs: number, bucket: Pick<Bucket, 'limit' | 'windowMs'>): number {
  return Math.max(0, level - (Math.max(0, elapsedMs) * bucket.limit) / bucket.windowMs);
}

/** How long until a rolling bucket at `level` has room for `amount`. */
export function refillWait(level: number, amount: number, bucket: Pick<Bucket, 'limit' | 'windowMs'>): number {
  return Math.ceil(((level + amount - bucket.limit) * bucket.windowMs) / bucket.limit);
}

/** In this process only: the local server's embedded default. Same semantics as Redis. */
export class InMemoryBucketStore implements BucketStore {
  private readonly rolling = new Map<string, { level: number; at: number }>();
  private readonly calendar = new Map<string, { spent: number; held: number; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  private keyOf(bucket: Bucket, now: number): string {
    const base = `{${bucket.group}}:${bucket.id}`;
    return bucket.windowMs > 0 ? base : `${base}:${windowOf(now, bucket.windowMs).index}`;
  }

  private level(key: string, bucket: Bucket, now: number): number {
    const entry = this.rolling.get(key);
    return entry ? drained(entry.level, now - entry.at, bucket) : 0;
  }

  private month(key: string, now: number): { spent: number; held: number; expiresAt: number } | undefined {
    const entry = this.calendar.get(key);
    if (entry && entry.expiresAt <= now) {
      this.calendar.delete(key);
      return undefined;
    }
    return entry;
  }

  async reserve(buckets: readonly Bucket[], amount: number): Promise<Reserved | Refused> {
    const now = this.now();
    const keys = buckets.map((b) => this.keyOf(b, now));
    for (const [i, bucket] of buckets.entries()) {
      if (bucket.windowMs > 0) {
        const level = this.level(keys[i], bucket, now);
        if (level + amount > bucket.limit) {
          return {
            admitted: false,
            bucket,
            retryAfterMs: refillWait(level, amount, bucket),
            used: Math.round(level),
            inFlight: false,
          };
        }
        continue;
      }
      const { spent, held } = this.month(keys[i], now) ?? { spent: 0, held: 0 };
      if (spent + amount > bucket.limit) {
        const { endsAt } = windowOf(now, bucket.windowMs);
        return { admitted: false, bucket, retryAfterMs: endsAt - now, used: spent, inFlight: false };
      }
      if (spent + held + amount > bucket.limit) {
        return { admitted: false, bucket, retryAfterMs: 0, used: spent + held, inFlight: true };
      }
    }
    buckets.forEach((bucket, i) => {
      if (bucket.windowMs > 0) {
        this.rolling.set(keys[i], { level: this.level(keys[i], bucket, now) + amount, at: now });
        return;
      }
      const entry = this.month(keys[i], now) ?? { spent: 0, held: 0, expiresAt: windowOf(now, bucket.windowMs).endsAt };
      entry.held += amount;
      this.calendar.set(keys[i], entry);
    });
    return { admitted: true, keys, buckets, amount };
  }

  async settle(reservation: Reserved, used: number): Promise<number[]> {
    const now = this.now();
    return reservation.keys.map((key, i) => {
      const bucket = reservation.buckets[i];
      if (bucket.windowMs > 0) {
        const entry = this.rolling.get(key);
        if (!entry) return 0;
        const level = Math.max(0, drained(entry.level, now - entry.at, bucket) + used - reservation.amount);
        this.rolling.set(key, { level, at: now });
        return level;
      }
      const entry = this.month(key, now);
      if (!entry) return 0;
      entry.held = Math.max(0, entry.held - reservation.amount);
      entry.spent += used;
      return entry.spent;
    });
  }
}
