import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ApiKeyVerifier } from '../../lambda/core/auth/api-key-verifier';
import { DynamoDbKeyStore } from '../../lambda/core/auth/dynamodb-key-store';
import { main } from '../../scripts/api-key';
import { startFakeDynamoDb, type FakeDynamoDb } from '../support/fake-aws/dynamodb';

/** The operator's script against DynamoDB's wire protocol: issue, list, revoke, and the authorizer's view. */
let dynamo: FakeDynamoDb;
beforeAll(async () => {
  dynamo = await startFakeDynamoDb('keys', 'keyHash');
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'not-a-real-secret';
});
afterAll(() => dynamo.close());

async function run(...args: string[]): Promise<string[]> {
  const lines: string[] = [];
  await main([...args, '--table', 'keys', '--endpoint', dynamo.endpoint, '--region', 'us-east-1'], (l) =>
    lines.push(l),
  );
  return lines;
}

const verifier = () =>
  new ApiKeyVerifier(
    new DynamoDbKeyStore(
      new DynamoDBClient({
        endpoint: dynamo.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' },
      }),
      'keys',
    ),
    { tiers: ['standard'] },
  );

test('issue prints the key once; the authorizer accepts it until it is revoked', async () => {
  const issued = await run(
    'issue',
    '--tenant',
    'acme',
    '--tier',
    'standard',
    '--models',
    'chat-default, embed',
    '--expires-in-days',
    '30',
  );
  const key = issued[0].replace(/^key:\s+/, '');
  const keyId = issued[1].replace(/^key id:\s+/, '');
  expect(key).toMatch(/^sk-llm-[A-Za-z0-9_-]{43}$/);
  expect(issued[4]).toBe('Store the key now: it is not kept anywhere and cannot be shown again.');
  await expect(verifier().verify(`Bearer ${key}`)).resolves.toMatchObject({
    ok: true,
    caller: { tenant: 'acme', models: ['chat-default', 'embed'] },
  });

  const listed = await run('list', '--tenant', 'acme');
  expect(listed).toEqual([
    expect.stringMatching(new RegExp(`^${keyId}  active   tier=standard  created=.*expires=20`)),
  ]);
  expect(listed.join()).not.toContain(key);

  expect(await run('revoke', '--tenant', 'acme', '--key-id', keyId)).toEqual([
    expect.stringMatching(new RegExp(`^revoked ${keyId} of acme at `)),
  ]);
  await expect(verifier().verify(`Bearer ${key}`)).resolves.toMatchObject({ ok: false, reason: 'revoked' });
});

test('missing or bad arguments say what is needed', async () => {
  await expect(run('issue', '--tenant', 'acme')).rejects.toThrow('--tier is required for issue');
  await expect(run('rotate', '--tenant', 'acme')).rejects.toThrow('usage: api-key issue|list|revoke');
  await expect(run('issue', '--tenant', 'acme', '--tier', 'standard', '--expires-in-days', 'soon')).rejects.toThrow(
    '--expires-in-days must be a whole number of days, not soon',
  );
});
