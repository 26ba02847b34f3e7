import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  secretsProviderFor,
  startFakeSecretsManager,
  type FakeSecretsManager,
} from '../../test/support/fake-aws/secrets-manager';
import { startFakeProvider, type FakeProvider } from '../../test/support/fake-providers/fake-provider';
import { recordingGatewayTelemetry } from '../../test/support/telemetry';
import { UNSET_CREDENTIAL_SECRET_STRING } from '../contract/credentials';
import { GATEWAY_ENV } from '../contract/environment';
import { createDeployedGateway } from './deployed-gateway';

/** The deployed gateway with a provider secret nobody has set yet: refused by name, never sent. */
const UNSET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:llm/openai-AbCdEf';

let secrets: FakeSecretsManager;
beforeAll(async () => {
  secrets = await startFakeSecretsManager({ [UNSET]: UNSET_CREDENTIAL_SECRET_STRING });
});
afterAll(() => secrets.close());

describe('through the deployed gateway', () => {
  let provider: FakeProvider;
  let handlerDir: string;
  beforeAll(async () => {
    provider = await startFakeProvider({ format: 'openai' });
    handlerDir = mkdtempSync(path.join(tmpdir(), 'unset-credential-'));
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
  afterAll(() => provider.close());

  test('a call that needs the unset credential fails, its name in the log, and the provider is never called', async () => {
    const { telemetry, traces } = recordingGatewayTelemetry();
    const gateway = await createDeployedGateway(
      {
        [GATEWAY_ENV.configFile]: 'gateway-config.json',
        [GATEWAY_ENV.providerSecretArns]: JSON.stringify({ openai: UNSET }),
      },
      telemetry,
      handlerDir,
      secretsProviderFor(secrets),
    );
    const response = await gateway.handle({
      method: 'POST',
      path: '/chat/completions',
      headers: {},
      body: Buffer.from(JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] })),
      signal: new AbortController().signal,
      identity: { tenant: 'acme' },
    });
    expect(response.status).toBe(502);
    expect(response.kind === 'buffered' && JSON.parse(response.body).error.code).toBe('upstream_failed');
    expect(traces.at(-1)?.errorDetail).toMatch(/credential "openai" has not been set/);
    expect(provider.requests).toHaveLength(0);
  });
});
