import * as z from 'zod/mini';
import { parseKillScope } from '../core/policy/kill-switch/kill-switch-control';
import type { KillScope } from '../contract/kill-switch';
import '../contract/zod-messages';

/**
 * What the kill-switch function is asked to do. It is invoked two ways:
 *
 * - by an alarm, through SNS: each record's message is a CloudWatch alarm notification; one that
 *   went into ALARM switches on the scope the construct mapped that alarm to (`global` when it is
 *   not mapped: an alarm sent here is a request to stop spending). OK and INSUFFICIENT_DATA
 *   transitions change nothing: a hard stop stays until an operator lifts it.
 * - by an operator, directly: `{"action":"on","scope":"tenant:acme","reason":"runaway agent"}`,
 *   `{"action":"off","scope":"tenant:acme"}` or `{"action":"status"}`.
 */
export type KillSwitchCommand =
  | { readonly action: 'on'; readonly scope: KillScope; readonly reason: string; readonly ttlSeconds?: number }
  | { readonly action: 'off'; readonly scope: KillScope }
  | { readonly action: 'status' };

const scope = z.pipe(
  z.string(),
  z.transform((value, ctx) => {
    try {
      return parseKillScope(value);
    } catch (error) {
      ctx.issues.push({ code: 'custom', input: value, message: (error as Error).message });
      return z.NEVER;
    }
  }),
);

const operatorCommand = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('on'),
    scope,
    reason: z.string().check(z.minLength(1), z.maxLength(500)),
    ttlSeconds: z.optional(z.int().check(z.gte(1))),
  }),
  z.strictObject({ action: z.literal('off'), scope }),
  z.strictObject({ action: z.literal('status') }),
]);

const snsEvent = z.object({
  Records: z.array(z.object({ EventSource: z.literal('aws:sns'), Sns: z.object({ Message: z.string() }) })),
});

const alarmNotification = z.object({
  AlarmName: z.string(),
  NewStateValue: z.string(),
  NewStateReason: z.optional(z.string()),
});

/** The commands an invocation carries; throws, saying what was given and what is accepted, when none parse. */
export function commandsOf(event: unknown, alarmScopes: Readonly<Record<string, KillScope>>): KillSwitchCommand[] {
  const sns = snsEvent.safeParse(event);
  if (sns.success) {
    return sns.data.Records.flatMap((record): KillSwitchCommand[] => {
      let message: unknown;
      try {
        message = JSON.parse(record.Sns.Message);
      } catch {
        throw new Error('The SNS message is not a CloudWatch alarm notification (not JSON).');
      }
      const alarm = alarmNotification.safeParse(message);
      if (!alarm.success) throw new Error('The SNS message is not a CloudWatch alarm notification (no AlarmName).');
      if (alarm.data.NewStateValue !== 'ALARM') return [];
      const reason = `alarm ${alarm.data.AlarmName}: ${alarm.data.NewStateReason ?? 'in ALARM'}`.slice(0, 500);
      return [{ action: 'on', scope: alarmScopes[alarm.data.AlarmName] ?? 'global', reason }];
    });
  }
  const command = operatorCommand.safeParse(event);
  if (!command.success) {
    const issues = command.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
    throw new Error(
      `Not a kill-switch command (${issues}). Send {"action":"on","scope":"global","reason":"..."}, ` +
        '{"action":"off","scope":"tenant:<id>"} or {"action":"status"}.',
    );
  }
  return [command.data];
}

/** `KILL_SWITCH_ALARM_SCOPES`: JSON from alarm name to scope, as the CostGuardrails construct writes it. */
export function alarmScopesOf(json: string | undefined): Record<string, KillScope> {
  if (!json) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`KILL_SWITCH_ALARM_SCOPES must be a JSON object from alarm name to scope; it is: ${json}`);
  }
  return Object.fromEntries(Object.entries(parsed).map(([alarm, value]) => [alarm, parseKillScope(String(value))]));
}
