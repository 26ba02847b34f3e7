/**
 * Token buckets counted in fixed windows (per minute, per day). A reservation takes the same number
 * of tokens from every bucket of a call or from none; a settlement adds the difference between what
 * was reserved and what was used (negative: a refund).
 *
 * Fixed windows are exact within a window: against a limit L, at most L tokens are admitted per
 * window whatever the concurrency. Across a window boundary a burst can reach 2L in a short span;
 * that is the documented price of O(1) state per bucket.
 */
export interface Bucket {
  /** Stable id of the bucket, e.g. `tenant:acme:minute`. */
  readonly id: string;
  /** What the limit is, in words, for the refusal message: `tokens per minute for tenant 'acme'`. */
  readonly name: string;
  /** Hash-tag group: all of one call's buckets share it (one Redis slot). The tenant. */
  readonly group: string;
  readonly limit: number;
  /** Window length in ms, or {@link CALENDAR_MONTH} for calendar months (UTC). */
  readonly windowMs: number;
}

/** The window length that means "calendar month, UTC" (budgets are monthly). */
export const CALENDAR_MONTH = -1;

/** The window `now` falls in: its index and when it ends. Same arithmetic as the Redis script. */
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
  /** The window-qualified keys the tokens were taken from, for the settlement. */
  readonly keys: readonly string[];
  readonly tokens: number;
}

export interface Refused {
  readonly admitted: false;
  /** The bucket that refused. */
  readonly bucket: Bucket;
  readonly retryAfterMs: number;
  /** Tokens already used in that bucket's window. */
  readonly used: number;
}

export interface BucketStore {
  reserve(buckets: readonly Bucket[], tokens: number): Promise<Reserved | Refused>;
  /** Adds `delta` to the windows a reservation used (never below zero); returns their new totals. */
  settle(reservation: Reserved, delta: number): Promise<number[]>;
}

/** In this process only: the local server's embedded default. Same semantics as Redis. */
export class InMemoryBucketStore implements BucketStore {
  private readonly used = new Map<string, { tokens: number; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  private read(key: string, now: number): number {
    const entry = this.used.get(key);
    if (!entry) return 0;
    if (entry.expiresAt <= now) {
      this.used.delete(key);
      return 0;
    }
    return entry.tokens;
  }

  async reserve(buckets: readonly Bucket[], tokens: number): Promise<Reserved | Refused> {
    const now = this.now();
    const windows = buckets.map((b) => windowOf(now, b.windowMs));
    const keys = buckets.map((b, i) => `{${b.group}}:${b.id}:${windows[i].index}`);
    for (const [i, bucket] of buckets.entries()) {
      const used = this.read(keys[i], now);
      if (used + tokens > bucket.limit) return { admitted: false, bucket, retryAfterMs: windows[i].endsAt - now, used };
    }
    buckets.forEach((_bucket, i) => {
      this.used.set(keys[i], { tokens: this.read(keys[i], now) + tokens, expiresAt: windows[i].endsAt });
    });
    return { admitted: true, keys, tokens };
  }

  async settle(reservation: Reserved, delta: number): Promise<number[]> {
    const now = this.now();
    return reservation.keys.map((key) => {
      const entry = this.used.get(key);
      if (!entry || entry.expiresAt <= now) return 0;
      entry.tokens = Math.max(0, entry.tokens + delta);
      return entry.tokens;
    });
  }
}
