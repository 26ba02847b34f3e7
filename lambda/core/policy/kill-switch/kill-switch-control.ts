import type Redis from 'ioredis';
import { killSwitchKey, type KillScope } from '../../../contract/kill-switch';

const SCOPE = /^(global|tenant:\S{1,256}|feature:[A-Za-z0-9._:-]{1,64})$/;

/** A scope as an operator or a config writes it, checked: `global`, `tenant:<id>` or `feature:<name>`. */
export function parseKillScope(value: string): KillScope {
  if (!SCOPE.test(value)) {
    throw new Error(
      `"${value}" is not a kill-switch scope: use "global", "tenant:<tenant id>" or "feature:<feature name>" ` +
        '(a feature as the x-llm-feature header names it).',
    );
  }
  return value as KillScope;
}

/**
 * Flips the flags the gateway's kill switch reads (`lambda/core/policy/kill-switch`): what the
 * kill-switch function does for an alarm or an operator. Every gateway instance sees a flip within
 * `killSwitch.refreshMs`.
 */
export class KillSwitchControl {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'llmgw:',
  ) {}

  /** Stops calls in `scope`; `reason` is what clients are told. `ttlSeconds` lifts it by itself. */
  async switchOn(scope: KillScope, reason: string, ttlSeconds?: number): Promise<void> {
    const key = killSwitchKey(this.prefix, scope);
    if (ttlSeconds !== undefined) await this.redis.set(key, reason, 'EX', ttlSeconds);
    else await this.redis.set(key, reason);
  }

  /** Lets calls in `scope` through again; false when it was not on. */
  async switchOff(scope: KillScope): Promise<boolean> {
    return (await this.redis.del(killSwitchKey(this.prefix, scope))) > 0;
  }

  /** Every flag that is on, with its reason. */
  async status(): Promise<Record<string, string>> {
    const flags: Record<string, string> = {};
    const marker = killSwitchKey(this.prefix, 'global').slice(0, -'global'.length);
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${marker}*`, 'COUNT', 200);
      cursor = next;
      if (keys.length === 0) continue;
      const values = await this.redis.mget(...keys);
      keys.forEach((key, i) => {
        if (values[i] !== null) flags[key.slice(marker.length)] = values[i]!;
      });
    } while (cursor !== '0');
    return flags;
  }
}
