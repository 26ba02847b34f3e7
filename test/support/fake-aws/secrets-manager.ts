import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback Secrets Manager that answers GetSecretValue in the service's JSON protocol
 * (`X-Amz-Target: secretsmanager.GetSecretValue`, `application/x-amz-json-1.1`).
 */
export interface FakeSecretsManager {
  readonly endpoint: string;
  readonly secrets: Map<string, string>;
  /** SecretIds asked for, in order. */
  readonly calls: string[];
  close(): Promise<void>;
}

export async function startFakeSecretsManager(secrets: Record<string, string>): Promise<FakeSecretsManager> {
  const fake = {
    endpoint: '',
    secrets: new Map(Object.entries(secrets)),
    calls: [] as string[],
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = req.headers['x-amz-target'];
      const { SecretId } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { SecretId?: string };
      const json = { 'content-type': 'application/x-amz-json-1.1' };
      if (target !== 'secretsmanager.GetSecretValue' || !SecretId) {
        res.writeHead(400, json).end(JSON.stringify({ __type: 'InvalidRequestException', message: 'unsupported' }));
        return;
      }
      fake.calls.push(SecretId);
      const value = fake.secrets.get(SecretId);
      if (value === undefined) {
        res
          .writeHead(400, json)
          .end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'no such secret' }));
        return;
      }
      res
        .writeHead(200, json)
        .end(JSON.stringify({ ARN: SecretId, Name: SecretId.split(':').pop(), SecretString: value, VersionId: 'v1' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** A Powertools SecretsProvider that talks to the fake, with dummy credentials and no retries. */
export function secretsProviderFor(fake: FakeSecretsManager): SecretsProvider {
  return new SecretsProvider({
    clientConfig: {
      endpoint: fake.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' },
      maxAttempts: 1,
    },
  });
}
