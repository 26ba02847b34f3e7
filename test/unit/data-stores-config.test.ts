import { ENVIRONMENTS } from '../../lib/config/environments';
import { EnvironmentConfigError, parseEnvironmentConfig, parseEnvironments } from '../../lib/config/load';
import type { EnvironmentConfigInput } from '../../lib/config/schema';

const dev: EnvironmentConfigInput = ENVIRONMENTS.dev;
const prod: EnvironmentConfigInput = ENVIRONMENTS.prod;
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:llm/cache-AbCdEf';

function problemsOf(input: unknown, key = 'dev'): string[] {
  try {
    parseEnvironmentConfig(key, input);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvironmentConfigError);
    return [...(error as EnvironmentConfigError).problems];
  }
  throw new Error('expected the config to be rejected');
}

describe('data store config sections', () => {
  test('shipped environments: dev scales to zero on one cache node, prod is replicated', () => {
    const [devConfig, , prodConfig] = parseEnvironments(ENVIRONMENTS);
    expect(devConfig.cache.replicas).toBe(0);
    expect(devConfig.vectorStore.minCapacity).toBe(0);
    expect(prodConfig.cache.replicas).toBeGreaterThanOrEqual(1);
    expect(prodConfig.vectorStore.minCapacity).toBeGreaterThanOrEqual(0.5);
    expect(prodConfig.providerSecrets.credentials).toEqual(['openai', 'anthropic']);
  });

  test('the sections may be left out: the constructs’ defaults and two provider credentials', () => {
    const { cache: _c, vectorStore: _v, providerSecrets: _p, ...bare } = dev;
    const config = parseEnvironmentConfig('dev', bare);
    expect(config.cache).toEqual({});
    expect(config.vectorStore).toEqual({});
    expect(config.providerSecrets).toEqual({ credentials: ['openai', 'anthropic'], existing: {} });
  });

  test('high availability refuses a single cache node and a database that pauses', () => {
    expect(problemsOf({ ...prod, cache: { replicas: 0 }, vectorStore: { minCapacity: 0 } }, 'prod')).toEqual([
      'cache.replicas: must be at least 1 when highAvailability is true, so that the cache fails over to another zone',
      'vectorStore.minCapacity: must be at least 0.5 when highAvailability is true: a paused database takes seconds to answer',
    ]);
  });

  test('an existing cache is used as it is: shaping fields beside it are refused', () => {
    const existing = {
      endpointAddress: 'master.cache.example.use1.cache.amazonaws.com',
      port: 6380,
      securityGroupId: 'sg-0123456789abcdef0',
      gatewayUsername: 'llm-gateway',
      passwordSecretArn: SECRET_ARN,
    };
    expect(parseEnvironmentConfig('dev', { ...dev, cache: { existing } }).cache.existing).toEqual(existing);
    expect(problemsOf({ ...dev, cache: { nodeType: 'cache.t4g.micro', existing } })).toEqual([
      'cache.nodeType: an existing cache is used as it is: remove nodeType, or remove "existing" to create one',
    ]);
  });

  test('secret ARNs must be complete, and say how to find one', () => {
    const [problem] = problemsOf({
      ...dev,
      providerSecrets: {
        credentials: [],
        existing: { openai: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:openai' },
      },
    });
    expect(problem).toMatch(
      /^providerSecrets\.existing\.openai: must be a complete Secrets Manager secret ARN.*describe-secret/,
    );
  });

  test('a credential is created or existing, not both, and named as the gateway config names it', () => {
    expect(
      problemsOf({ ...dev, providerSecrets: { credentials: ['openai'], existing: { openai: SECRET_ARN } } }),
    ).toEqual([
      'providerSecrets.existing.openai: "openai" is also in credentials; list a credential in one of them only',
    ]);
    expect(problemsOf({ ...dev, providerSecrets: { credentials: ['OpenAI'] } })).toEqual([
      'providerSecrets.credentials.0: must be a credential name: lower-case letters, digits and hyphens, starting with a letter',
    ]);
  });

  test('capacity ranges are checked', () => {
    expect(problemsOf({ ...dev, vectorStore: { minCapacity: 4, maxCapacity: 2 } })).toEqual([
      'vectorStore.maxCapacity: must be at least minCapacity (4)',
    ]);
    expect(problemsOf({ ...dev, vectorStore: { minCapacity: 1, autoPauseMinutes: 10 } })).toEqual([
      'vectorStore.autoPauseMinutes: applies only when minCapacity is 0; remove it, or set minCapacity to 0',
    ]);
    expect(problemsOf({ ...dev, vectorStore: { minCapacity: 0.3 } })).toEqual([
      expect.stringMatching(/^vectorStore\.minCapacity: /),
    ]);
  });
});
