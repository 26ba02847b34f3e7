import { ENVIRONMENTS } from '../../lib/config/environments';
import { EnvironmentConfigError, parseEnvironmentConfig, parseEnvironments, stageIdOf } from '../../lib/config/load';
import type { EnvironmentConfigInput } from '../../lib/config/schema';

const good: EnvironmentConfigInput = ENVIRONMENTS.dev;

function problemsOf(input: unknown, key = 'dev'): string[] {
  try {
    parseEnvironmentConfig(key, input);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvironmentConfigError);
    return [...(error as EnvironmentConfigError).problems];
  }
  throw new Error('expected the config to be rejected');
}

describe('environment config schema', () => {
  test('every shipped environment is valid', () => {
    const configs = parseEnvironments(ENVIRONMENTS);
    expect(configs.map((c) => c.name)).toEqual(['dev', 'staging', 'prod']);
  });

  test('defaults are applied', () => {
    const { tags: _tags, ...withoutTags } = good;
    expect(parseEnvironmentConfig('dev', withoutTags).tags).toEqual({});
  });

  test('dev is cheap and prod is highly available', () => {
    const [dev, , prod] = parseEnvironments(ENVIRONMENTS);
    expect(dev.network.natGateways).toBe(1);
    expect(dev.highAvailability).toBe(false);
    expect(prod.highAvailability).toBe(true);
    expect(prod.network.natGateways).toBe(prod.availabilityZones.length);
    expect(prod.availabilityZones.length).toBeGreaterThanOrEqual(3);
  });

  test('a missing field is named', () => {
    const { region: _region, ...noRegion } = good;
    expect(problemsOf(noRegion)).toEqual([expect.stringMatching(/^region: expected string, received undefined/)]);
  });

  test('a wrong type is named with what was expected', () => {
    expect(problemsOf({ ...good, network: { ...good.network, natGateways: 'two' } })).toEqual([
      'network.natGateways: expected number, received string',
    ]);
  });

  test('an unknown field is rejected, so typos cannot fall back to defaults', () => {
    expect(problemsOf({ ...good, natGateway: 1 })).toEqual(['(the entry): unknown field "natGateway"']);
  });

  test('a retention period that CloudWatch does not accept lists the accepted values', () => {
    const [problem] = problemsOf({ ...good, network: { ...good.network, flowLogRetentionDays: 42 } });
    expect(problem).toMatch(/^network\.flowLogRetentionDays: must be one of .*1, 3, 5, 7, 14, 30.*3653$/);
  });

  test('availability zones must belong to the region', () => {
    expect(problemsOf({ ...good, availabilityZones: ['us-east-1a', 'eu-west-1b'] })).toEqual([
      'availabilityZones.1: "eu-west-1b" is not an availability zone of region us-east-1 (expected us-east-1a, us-east-1b, ...)',
    ]);
  });

  test('more NAT gateways than zones is refused', () => {
    expect(problemsOf({ ...good, network: { ...good.network, natGateways: 3 } })).toEqual([
      'network.natGateways: is 3 but there are only 2 availability zones; use at most one per zone',
    ]);
  });

  test('high availability needs one NAT gateway per zone', () => {
    // (without dev's single-node data stores, which high availability refuses too: data-stores-config.test.ts)
    const { cache: _cache, vectorStore: _vectorStore, ...network } = good;
    expect(problemsOf({ ...network, highAvailability: true })).toEqual([
      expect.stringMatching(
        /^network\.natGateways: must equal the number of availability zones \(2\) when highAvailability is true/,
      ),
    ]);
  });

  test('every problem is reported at once, and the message says where to fix them', () => {
    const input = { ...good, region: 'mars-1', account: '123', network: { ...good.network, cidr: '10.0.0.0/8' } };
    let message = '';
    try {
      parseEnvironmentConfig('dev', input);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('Invalid configuration for environment "dev"');
    expect(message).toContain('account: must be a 12-digit AWS account id');
    expect(message).toContain('region: must be an AWS region such as "us-east-1"');
    expect(message).toContain('network.cidr: must be an IPv4 CIDR block from /16 to /24');
    expect(message).toContain('lib/config/environments.ts');
  });

  test('the entry key and the name must agree', () => {
    expect(problemsOf(good, 'qa')).toEqual(['name: is "dev" but the entry\'s key is "qa"; make them equal']);
  });

  test('stage ids are the PascalCase names', () => {
    expect(stageIdOf({ name: 'prod' })).toBe('Prod');
    expect(stageIdOf({ name: 'load-test' })).toBe('LoadTest');
  });

  test('adding an environment is one entry', () => {
    const configs = parseEnvironments({ ...ENVIRONMENTS, qa: { ...good, name: 'qa' } });
    expect(configs.map((c) => stageIdOf(c))).toEqual(['Dev', 'Staging', 'Prod', 'Qa']);
  });
});

describe('observability config', () => {
  test('thresholds that cannot work are named', () => {
    const observability = {
      ...good.observability,
      notifyEmails: ['not-an-address'],
      costGuardrails: { ...good.observability.costGuardrails, llmDailySpend: { softUsd: 100, hardUsd: 50 } },
    };
    expect(problemsOf({ ...good, observability })).toEqual([
      'observability.notifyEmails.0: must be an e-mail address',
      'observability.costGuardrails.llmDailySpend: hardUsd must be above softUsd',
    ]);
  });

  test('alarm subscribers: an HTTPS endpoint and a Slack channel, each checked; none by default', () => {
    expect(parseEnvironmentConfig('dev', good).observability).toMatchObject({
      notifyEmails: [],
      notifyHttpsUrls: [],
      notifySlackChannels: [],
    });
    const observability = {
      ...good.observability,
      notifyHttpsUrls: ['http://hooks.example.com/alarms'],
      notifySlackChannels: [{ workspaceId: 'my-team', channelId: 'C0123ABCD' }],
    };
    expect(problemsOf({ ...good, observability })).toEqual([
      'observability.notifyHttpsUrls.0: must be an https:// URL',
      'observability.notifySlackChannels.0.workspaceId: must be a Slack workspace id such as T0123ABCD',
    ]);
    const valid = {
      ...good.observability,
      notifyHttpsUrls: ['https://events.example.com/alarms'],
      notifySlackChannels: [{ workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' }],
    };
    expect(parseEnvironmentConfig('dev', { ...good, observability: valid }).observability.notifyHttpsUrls).toEqual([
      'https://events.example.com/alarms',
    ]);
  });

  test('budget alerts default to 70% and 100%', () => {
    expect(parseEnvironmentConfig('dev', good).observability.costGuardrails.awsBudgetAlertPercents).toEqual([70, 100]);
  });
});
