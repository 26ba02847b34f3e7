/**
 * A circuit breaker per deployment, whose state lives in a store shared by every gateway instance
 * (Redis when deployed): once one instance opens it, no instance calls that deployment until the
 * open period ends; then exactly one call, the probe, is let through to test it.
 */
export interface BreakerSettings {
  /** Consecutive failures that open the breaker. */
  readonly failureThreshold: number;
  /** How long it stays open before one probe is allowed. */
  readonly openMs: number;
  /** How long a probe holds the half-open slot, so that a probe whose caller died frees it. */
  readonly probeTimeoutMs: number;
}

export interface BreakerPermit {
  readonly allowed: boolean;
  /** This call is the single half-open probe: its outcome closes or re-opens the breaker. */
  readonly probe: boolean;
  /** When refused: how long until a call may be tried again. */
  readonly retryAfterMs: number;
  /** Failures recorded so far; a success with none recorded need not be written back. */
  readonly failures: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerStore {
  acquire(deployment: string): Promise<BreakerPermit>;
  recordSuccess(deployment: string, permit: BreakerPermit): Promise<void>;
  /** Counts a failure; true when this failure opened the breaker (or re-opened it, for a probe). */
  recordFailure(deployment: string, permit: BreakerPermit): Promise<boolean>;
  /**
   * The permit was not used (the call was answered from a cache, or refused): a probe's half-open
   * slot is freed for the next caller, and nothing is counted.
   */
  release(deployment: string, permit: BreakerPermit): Promise<void>;
  state(deployment: string): Promise<BreakerState>;
}

/** State in this process only: the local server's embedded default. Same semantics as Redis. */
export class InMemoryBreakerStore implements BreakerStore {
  private readonly entries = new Map<string, { failures: number; openUntil: number; probeUntil: number }>();

  constructor(
    private readonly settings: BreakerSettings,
    private readonly now: () => number = Date.now,
  ) {}

  private entry(deployment: string) {
    let entry = this.entries.get(deployment);
    if (!entry) this.entries.set(deployment, (entry = { failures: 0, openUntil: 0, probeUntil: 0 }));
    return entry;
  }

  async acquire(deployment: string): Promise<BreakerPermit> {
    const entry = this.entry(deployment);
    const now = this.now();
    if (entry.openUntil === 0) return { allowed: true, probe: false, retryAfterMs: 0, failures: entry.failures };
    if (now < entry.openUntil)
      return { allowed: false, probe: false, retryAfterMs: entry.openUntil - now, failures: entry.failures };
    if (now >= entry.probeUntil) {
      entry.probeUntil = now + this.settings.probeTimeoutMs;
      return { allowed: true, probe: true, retryAfterMs: 0, failures: entry.failures };
    }
    return { allowed: false, probe: false, retryAfterMs: entry.probeUntil - now, failures: entry.failures };
  }

  async recordSuccess(deployment: string, permit: BreakerPermit): Promise<void> {
    if (!permit.probe && permit.failures === 0) return;
    this.entries.delete(deployment);
  }

  async recordFailure(deployment: string, permit: BreakerPermit): Promise<boolean> {
    const entry = this.entry(deployment);
    const now = this.now();
    if (permit.probe) {
      entry.openUntil = now + this.settings.openMs;
      entry.probeUntil = 0;
      return true;
    }
    if (entry.openUntil !== 0) return false;
    entry.failures += 1;
    if (entry.failures < this.settings.failureThreshold) return false;
    entry.openUntil = now + this.settings.openMs;
    return true;
  }

  async release(deployment: string, permit: BreakerPermit): Promise<void> {
    const entry = this.entries.get(deployment);
    if (permit.probe && entry) entry.probeUntil = 0;
  }

  async state(deployment: string): Promise<BreakerState> {
    const entry = this.entries.get(deployment);
    if (!entry || entry.openUntil === 0) return 'closed';
    return this.now() < entry.openUntil ? 'open' : 'half-open';
  }
}
