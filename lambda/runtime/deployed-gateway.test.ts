import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startFakeProvider, type FakeProvider } from '../../test/support/fake-providers/fake-provider';
import { startFakeSecretsManager, type FakeSecretsManager } from '../../test/support/fake-aws/secrets-manager';
import { quietGatewayTelemetry, recordingGatewayTelemetry } from '../../test/support/telemetry';
import { GATEWAY_ENV } from '../contract/environment';
import { createDeployedGateway } from './deployed-gateway';

/**
 * The deployed wiring, end to end: config file beside the handler, provider key from Secrets Manager
 * (a loopback fake speaking its protocol), tenant from the authorizer context.
 */
const OPENAI_SECRET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:llm/openai-AbCdEf';

let provider: FakeProvider;
let secretsManager: FakeSecretsManager;
let handlerDir: string;

beforeAll(async () => {
  provider = await startFakeProvider({ format: 'openai' });
  secretsManager = await startFakeSecretsManager({
    [OPENAI_SECRET]: JSON.stringify({ apiKey: 'sk-from-secrets-manager' }),
  });
  handlerDir = mkdtempSync(path.join(tmpdir(), 'gateway-handler-'));
  writeFileSync(
    path.join(handlerDir, 'gateway-config.json'),
    JSON.stringify({
      models: { chat: { deployments: ['openai'] } },
      deployments: {
        openai: {
          provider: 'openai',
          model: 'gpt-fake-1',
          baseUrl: provider.url,
          credential: 'openai',
          pricing: { input: 1, output: 1 },
        },
      },
    }),
  );
});
afterAll(async () => {
  await provider.close();
  await secretsManager.close();
});

function secretsProvider(): SecretsProvider {
  return new SecretsProvider({
    clientConfig: {
      endpoint: secretsManager.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' },
      maxAttempts: 1,
    },
  });
}

const request = (body: unknown) => ({
  method: 'POST',
  path: '/chat/completions',
  headers: {},
  body: Buffer.from(JSON.stringify(body)),
  signal: new AbortController().signal,
  identity: { tenant: 'acme' },
});

test('the gateway built from the environment calls the provider with the key from Secrets Manager, fetched once', async () => {
  const env = {
    [GATEWAY_ENV.configFile]: 'gateway-config.json',
    [GATEWAY_ENV.providerSecretArns]: JSON.stringify({ openai: OPENAI_SECRET }),
  };
  const gateway = await createDeployedGateway(env, quietGatewayTelemetry(), handlerDir, secretsProvider());
  for (let i = 0; i < 3; i++) {
    const response = await gateway.handle(request({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }));
    expect(response.status).toBe(200);
  }
  expect(provider.requests.map((r) => r.headers.authorization)).toEqual(
    Array(3).fill('Bearer sk-from-secrets-manager'),
  );
  expect(secretsManager.calls).toEqual([OPENAI_SECRET]);
});

test('a missing config file names the variable and the construct that sets it', async () => {
  await expect(createDeployedGateway({}, quietGatewayTelemetry(), handlerDir, secretsProvider())).rejects.toThrow(
    'The gateway function needs the environment variable GATEWAY_CONFIG_FILE; the LlmGateway construct sets it.',
  );
});

test('a credential whose secret is missing fails over like any refused credential; the log says which', async () => {
  const env = { [GATEWAY_ENV.configFile]: 'gateway-config.json', [GATEWAY_ENV.providerSecretArns]: '{}' };
  const { telemetry, traces } = recordingGatewayTelemetry();
  const gateway = await createDeployedGateway(env, telemetry, handlerDir, secretsProvider());
  const response = await gateway.handle(request({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }));
  expect(response.status).toBe(502);
  expect(response.kind === 'buffered' && JSON.parse(response.body).error.code).toBe('upstream_failed');
  expect(traces.at(-1)?.errorDetail).toMatch(/no value is set for credential "openai"/);
});
