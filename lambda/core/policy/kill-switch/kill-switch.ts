import type Redis from 'ioredis';
import { GatewayError } from '../../http/errors';
import type { Admission, AdmissionControl, CallFacts } from '../../pipeline/ports';
import { killSwitchKey, type KillScope } from '../../../contract/kill-switch';

/**
 * The kill switch: a flag for the whole platform or for one tenant that stops every call. Operators
 * (or an alarm) set it in the shared store:
 *
 *   redis-cli SET <prefix>kill:global "reason"            # everything
 *   redis-cli SET <prefix>kill:tenant:<tenant> "reason"   # one tenant
 *   redis-cli SET <prefix>kill:feature:<feature> "reason" # one feature (x-llm-feature)
 *   redis-cli DEL <prefix>kill:global                     # back on
 *
 * Each gateway instance reads the flags at most once per `refreshMs` (default 1 s), so a flip takes
 * effect everywhere within that time and costs the hot path nothing in between.
 */

export interface KillSwitchStore {
  /** The reason the flag holds, or undefined when it is off. */
  read(key: KillScope): Promise<string | undefined>;
}

export class RedisKillSwitchStore implements KillSwitchStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'llmgw:',
  ) {}

  async read(key: KillScope): Promise<string | undefined> {
    return (await this.redis.get(killSwitchKey(this.prefix, key))) ?? undefined;
  }
}

/** For the local server: flags set in this process (`set`/`clear`). */
export class InMemoryKillSwitchStore implements KillSwitchStore {
  private readonly flags = new Map<string, string>();
  set(key: KillScope, reason: string): void {
    this.flags.set(key, reason);
  }
  clear(key: KillScope): void {
    this.flags.delete(key);
  }
  async read(key: string): Promise<string | undefined> {
    return this.flags.get(key);
  }
}

const ADMITTED: Admission = { settle: async () => undefined, release: async () => undefined };

export class KillSwitch implements AdmissionControl {
  private readonly cache = new Map<string, { value: string | undefined; readAt: number }>();

  constructor(
    private readonly store: KillSwitchStore,
    private readonly refreshMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  private async flag(key: KillScope): Promise<string | undefined> {
    const cached = this.cache.get(key);
    const now = this.now();
    if (cached && now - cached.readAt < this.refreshMs) return cached.value;
    let value: string | undefined;
    try {
      value = await this.store.read(key);
    } catch {
      // An unreadable store keeps the last known state rather than flipping the platform off or on.
      value = cached?.value;
    }
    this.cache.set(key, { value, readAt: now });
    return value;
  }

  async admit(facts: CallFacts): Promise<Admission> {
    const [global, tenant, feature] = await Promise.all([
      this.flag('global'),
      this.flag(`tenant:${facts.identity.tenant}`),
      facts.feature ? this.flag(`feature:${facts.feature}`) : undefined,
    ]);
    const reason = global ?? tenant ?? feature;
    if (reason !== undefined) {
      const scope =
        global !== undefined
          ? 'for the whole platform'
          : tenant !== undefined
            ? `for tenant '${facts.identity.tenant}'`
            : `for feature '${facts.feature}'`;
      throw new GatewayError(503, 'api_error', `Model calls are switched off ${scope}: ${reason}`, {
        code: 'kill_switch',
        retryAfterSeconds: 60,
      });
    }
    return ADMITTED;
  }
}
