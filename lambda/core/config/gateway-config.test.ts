import { EMBEDDED_CONFIG } from '../../runtime/embedded-config';
import { GatewayConfigError, parseGatewayConfig } from './load';
import type { GatewayConfigInput } from '../../contract/config/gateway-config';

const base: GatewayConfigInput = {
  models: { chat: { deployments: ['primary'] } },
  deployments: {
    primary: {
      provider: 'openai',
      model: 'gpt-4o-mini',
      baseUrl: 'https://api.openai.com/v1',
      credential: 'openai',
      pricing: { input: 150_000, output: 600_000 },
    },
  },
};

function problems(input: unknown): string {
  try {
    parseGatewayConfig(input, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('gateway config', () => {
  test('defaults fill what a minimal config leaves out', () => {
    const config = parseGatewayConfig(base);
    expect(config.retry).toEqual({ maxAttempts: 2, initialDelayMs: 200, maxDelayMs: 5_000, onTimeout: 'failover' });
    expect(config.breaker).toEqual({ failureThreshold: 5, openMs: 30_000 });
    expect(config.limits.maxBodyBytes).toBe(4 * 1024 * 1024);
    expect(config.deployments.primary.timeouts).toEqual({ firstByteMs: 10_000, totalMs: 300_000, idleMs: 30_000 });
    expect(config.models.chat).toEqual({ kind: 'chat', deployments: ['primary'], aliases: [] });
  });

  test('the embedded defaults are valid', () => {
    expect(parseGatewayConfig(EMBEDDED_CONFIG).models['builtin-chat'].aliases).toContain('gpt-4o-mini');
  });

  test('a model naming an unknown deployment is refused, listing the known ones', () => {
    expect(problems({ ...base, models: { chat: { deployments: ['primary', 'secondry'] } } })).toContain(
      'models.chat.deployments.1: "secondry" is not a deployment; known: primary',
    );
  });

  test('an HTTP provider without a base URL, or Bedrock without a region, is refused', () => {
    const deployment = { provider: 'anthropic', model: 'claude', pricing: { input: 1, output: 1 } };
    expect(problems({ ...base, deployments: { ...base.deployments, a: deployment } })).toContain(
      'deployments.a.baseUrl: is required for provider "anthropic"',
    );
    expect(
      problems({ ...base, deployments: { ...base.deployments, b: { ...deployment, provider: 'bedrock' } } }),
    ).toContain('deployments.b.region: is required for provider "bedrock"');
  });

  test('an unknown provider, a bad price and an unknown field are all named at once', () => {
    const message = problems({
      ...base,
      deployments: {
        primary: { ...base.deployments.primary, provider: 'openia' },
        other: { ...base.deployments.primary, pricing: { input: -1, output: 0 } },
      },
      retries: 3,
    });
    expect(message).toContain('Invalid gateway config (test.json)');
    expect(message).toContain(
      'deployments.primary.provider: must be one of "openai", "anthropic", "bedrock", "openai-compatible", "builtin"',
    );
    expect(message).toContain('deployments.other.pricing.input: must be at least 0');
    expect(message).toContain('(root): unknown field "retries"');
  });

  test('a name used by two models is refused', () => {
    expect(
      problems({
        ...base,
        models: {
          chat: { deployments: ['primary'], aliases: ['x'] },
          other: { deployments: ['primary'], aliases: ['x'] },
        },
      }),
    ).toContain('models.other.aliases: "x" is already a name of model "chat"');
  });

  test('only http and https base URLs are accepted', () => {
    expect(
      problems({ ...base, deployments: { primary: { ...base.deployments.primary, baseUrl: 'file:///etc/passwd' } } }),
    ).toContain('deployments.primary.baseUrl: must be a valid url');
  });
});
