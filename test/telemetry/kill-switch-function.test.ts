import { APIError } from 'openai';
import type { SNSEvent } from 'aws-lambda';
import { HandlerTelemetry } from '../../lambda/adapters/handler-telemetry';
import { KILL_SWITCH_ENV, killSwitchHandler } from '../../lambda/kill-switch/handler';
import { useRedis } from '../support/services';
import { KEYS, startHarness, type Harness } from '../gateway/harness';

/**
 * The kill-switch function against the real Redis, and its effect on a running local gateway: a
 * flip stops calls on every instance within `killSwitch.refreshMs`, as the runbook promises.
 */
const redis = useRedis();
const REFRESH_MS = 200;
const messages = [{ role: 'user' as const, content: 'hi' }];
let prefix: string;
let h: Harness;
let invoke: ReturnType<typeof killSwitchHandler>;

beforeEach(async () => {
  prefix = redis.prefix('kill-fn');
  h = await startHarness({ redis: redis.client, redisPrefix: prefix, killSwitchRefreshMs: REFRESH_MS });
  const telemetry = new HandlerTelemetry({ serviceName: 'llm-kill-switch', logLevel: 'SILENT' });
  invoke = killSwitchHandler(telemetry, async () => redis.client, {
    [KILL_SWITCH_ENV.keyPrefix]: prefix,
    [KILL_SWITCH_ENV.alarmScopes]: JSON.stringify({ 'tenant-a-llm-spend-hard': 'tenant:tenant-a' }),
  });
});
afterEach(() => h.close());

const call = (key: string = KEYS.full) =>
  h
    .client(key)
    .chat.completions.create({ model: 'claude', messages })
    .then(
      () => 'ok',
      (error: APIError) => `${error.status} ${error.code}`,
    );
/** Past the refresh period: every instance has re-read the flags by then. */
const afterRefresh = () => new Promise((resolve) => setTimeout(resolve, REFRESH_MS + 50));

const alarm = (name: string, state: 'ALARM' | 'OK'): SNSEvent =>
  ({
    Records: [
      {
        EventSource: 'aws:sns',
        Sns: {
          Message: JSON.stringify({
            AlarmName: name,
            NewStateValue: state,
            NewStateReason: 'Threshold Crossed: 1 datapoint [612.5] was greater than the threshold (500.0).',
          }),
        },
      },
    ],
  }) as unknown as SNSEvent;

test("an alarm's notification switches its tenant off on the running gateway within the refresh time", async () => {
  expect(await call()).toBe('ok');
  const result = await invoke(alarm('tenant-a-llm-spend-hard', 'ALARM'));
  expect(result).toEqual({
    applied: [{ action: 'on', scope: 'tenant:tenant-a' }],
    flags: { 'tenant:tenant-a': expect.stringMatching(/^alarm tenant-a-llm-spend-hard: Threshold Crossed/) },
  });
  await afterRefresh();
  expect(await call()).toBe('503 kill_switch');
  expect(await call(KEYS.restricted)).toBe('ok');
  // The alarm going back to OK lifts nothing: a hard stop waits for an operator.
  expect((await invoke(alarm('tenant-a-llm-spend-hard', 'OK'))).applied).toEqual([]);
  await afterRefresh();
  expect(await call()).toBe('503 kill_switch');
});

test('an alarm the construct did not map stops everything', async () => {
  await invoke(alarm('llm-spend-run-rate-hard', 'ALARM'));
  await afterRefresh();
  expect(await call()).toBe('503 kill_switch');
  expect(await call(KEYS.restricted)).toBe('503 kill_switch');
});

test('an operator switches a feature and the platform on and off by hand, and reads the flags', async () => {
  await invoke({ action: 'on', scope: 'feature:bulk', reason: 'runaway batch job' });
  await invoke({ action: 'on', scope: 'global', reason: 'provider incident', ttlSeconds: 3_600 });
  expect(await invoke({ action: 'status' })).toEqual({
    applied: [],
    flags: { 'feature:bulk': 'runaway batch job', global: 'provider incident' },
  });
  expect(await redis.client.ttl(`${prefix}kill:global`)).toBeGreaterThan(3_500);
  await afterRefresh();
  expect(await call()).toBe('503 kill_switch');
  expect(await invoke({ action: 'off', scope: 'global' })).toEqual({
    applied: [{ action: 'off', scope: 'global', changed: true }],
    flags: { 'feature:bulk': 'runaway batch job' },
  });
  await afterRefresh();
  expect(await call()).toBe('ok');
  const feature = await h
    .client()
    .chat.completions.create({ model: 'claude', messages }, { headers: { 'x-llm-feature': 'bulk' } })
    .catch((error: APIError) => error);
  expect((feature as APIError).message).toMatch(/switched off for feature 'bulk': runaway batch job/);
});

test('a malformed command is refused with what was wrong and what is accepted', async () => {
  await expect(invoke({ action: 'on', scope: 'everything', reason: 'x' })).rejects.toThrow(
    /"everything" is not a kill-switch scope: use "global", "tenant:<tenant id>" or "feature:<feature name>"/,
  );
  await expect(invoke({ action: 'pause' })).rejects.toThrow(/Not a kill-switch command .*\{"action":"status"\}/);
  expect(() =>
    killSwitchHandler(new HandlerTelemetry({ serviceName: 'x' }), async () => redis.client, {
      [KILL_SWITCH_ENV.alarmScopes]: '[1]',
    }),
  ).toThrow('KILL_SWITCH_ALARM_SCOPES must be a JSON object from alarm name to scope; it is: [1]');
});
