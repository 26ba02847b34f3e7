import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type Redis from 'ioredis';
import { KillSwitchControl } from '../core/policy/kill-switch/kill-switch-control';
import { redisFromEnv, type Env } from '../runtime/redis';
import { HandlerTelemetry } from '../adapters/handler-telemetry';
import { alarmScopesOf, commandsOf } from './commands';
import { KILL_SWITCH_ENV } from '../contract/environment';

export { KILL_SWITCH_ENV };

/*
 * The kill switch as a function: an alarm (through SNS) or an operator (`aws lambda invoke`) flips
 * the Redis flags every gateway instance reads within `killSwitch.refreshMs`. Wiring comes from the
 * environment the CostGuardrails construct sets: the cache (`REDIS_*`, as the gateway's), the key
 * prefix and the alarm-to-scope map.
 */

export interface KillSwitchResult {
  /** What this invocation switched. */
  readonly applied: ReadonlyArray<{
    readonly action: 'on' | 'off';
    readonly scope: string;
    readonly changed?: boolean;
  }>;
  /** Every flag on afterwards, with its reason. */
  readonly flags: Readonly<Record<string, string>>;
}

export function killSwitchHandler(telemetry: HandlerTelemetry, redis: () => Promise<Redis>, env: Env) {
  const alarmScopes = alarmScopesOf(env[KILL_SWITCH_ENV.alarmScopes]);
  return async (event: unknown): Promise<KillSwitchResult> => {
    const commands = commandsOf(event, alarmScopes);
    const control = new KillSwitchControl(await redis(), env[KILL_SWITCH_ENV.keyPrefix] ?? 'llmgw:');
    const applied: Array<KillSwitchResult['applied'][number]> = [];
    for (const command of commands) {
      if (command.action === 'on') {
        await control.switchOn(command.scope, command.reason, command.ttlSeconds);
        telemetry.logger.warn('kill_switch.on', { scope: command.scope, reason: command.reason });
        applied.push({ action: 'on', scope: command.scope });
      } else if (command.action === 'off') {
        const changed = await control.switchOff(command.scope);
        telemetry.logger.warn('kill_switch.off', { scope: command.scope, changed });
        applied.push({ action: 'off', scope: command.scope, changed });
      }
    }
    return { applied, flags: await control.status() };
  };
}

const telemetry = new HandlerTelemetry({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'llm-kill-switch' });
let connection: Promise<Redis> | undefined;
const redis = () => {
  connection ??= redisFromEnv(process.env, new SecretsProvider()).then((client) => {
    if (!client)
      throw new Error(
        'The kill-switch function needs REDIS_HOST (or REDIS_URL); the CostGuardrails construct sets it.',
      );
    return client;
  });
  connection.catch(() => (connection = undefined));
  return connection;
};

export const handler = telemetry.wrap(killSwitchHandler(telemetry, redis, process.env));
