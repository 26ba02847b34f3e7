import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { startFakeDynamoDb, type FakeDynamoDb } from '../../../test/support/fake-aws/dynamodb';
import { ApiKeyVerifier } from './api-key-verifier';
import { DynamoDbKeyStore } from './dynamodb-key-store';

/** The key store over DynamoDB's wire protocol (a loopback fake), as the authorizer and the script use it. */
const TABLE = 'api-keys';
let dynamo: FakeDynamoDb;
beforeAll(async () => {
  dynamo = await startFakeDynamoDb(TABLE, 'keyHash');
});
afterAll(() => dynamo.close());

const NOW = new Date('2026-06-01T00:00:00.000Z');

function store(tableName = TABLE): DynamoDbKeyStore {
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' },
    maxAttempts: 1,
  });
  return new DynamoDbKeyStore(client, tableName, () => NOW);
}

test('an issued key is stored by its hash only, and verifies to its tenant, tier and models', async () => {
  const keys = store();
  const issued = await keys.issue({ tenant: 'acme', tier: 'standard', user: 'ci', models: ['embed', 'chat'] });
  const stored = dynamo.items.get(issued.keyHash)!;
  expect(issued.keyHash).toBe(createHash('sha256').update(issued.key).digest('hex'));
  expect(JSON.stringify(stored)).not.toContain(issued.key);
  expect(stored).toMatchObject({
    tenant: { S: 'acme' },
    tier: { S: 'standard' },
    status: { S: 'active' },
    models: { SS: ['chat', 'embed'] },
    createdAt: { S: NOW.toISOString() },
  });
  const verifier = new ApiKeyVerifier(keys, { tiers: ['standard'], now: () => NOW.getTime() });
  await expect(verifier.verify(`Bearer ${issued.key}`)).resolves.toEqual({
    ok: true,
    caller: { tenant: 'acme', tier: 'standard', keyId: issued.keyId, user: 'ci', models: ['chat', 'embed'] },
  });
});

test('a revoked key is refused by the verifier; the tenant listing shows it revoked', async () => {
  const keys = store();
  const issued = await keys.issue({ tenant: 'beta', tier: 'standard' });
  const kept = await keys.issue({ tenant: 'beta', tier: 'standard' });
  await keys.revoke('beta', issued.keyId);
  const verifier = new ApiKeyVerifier(keys, { tiers: ['standard'], now: () => NOW.getTime() });
  await expect(verifier.verify(`Bearer ${issued.key}`)).resolves.toMatchObject({ ok: false, reason: 'revoked' });
  await expect(verifier.verify(`Bearer ${kept.key}`)).resolves.toMatchObject({ ok: true });
  const listed = await keys.list('beta');
  expect(listed.map((r) => [r.keyId, r.status])).toEqual(
    expect.arrayContaining([
      [issued.keyId, 'revoked'],
      [kept.keyId, 'active'],
    ]),
  );
  expect(listed.find((r) => r.keyId === issued.keyId)?.revokedAt).toBe(NOW.toISOString());
});

test('an expiring key carries its expiry; one that would already be expired is refused at issue', async () => {
  const keys = store();
  const expiresAt = NOW.getTime() / 1000 + 86_400;
  const issued = await keys.issue({ tenant: 'gamma', tier: 'standard', expiresAt });
  expect(dynamo.items.get(issued.keyHash)?.expiresAt).toEqual({ N: String(expiresAt) });
  await expect(keys.issue({ tenant: 'gamma', tier: 'standard', expiresAt: NOW.getTime() / 1000 })).rejects.toThrow(
    'expiresAt is in the past',
  );
});

test('bad names and unknown keys are refused with what to do', async () => {
  const keys = store();
  await expect(keys.issue({ tenant: 'Acme Corp', tier: 'standard' })).rejects.toThrow(
    'tenant "Acme Corp" is not a valid name: use 1-63 lower-case letters',
  );
  await expect(keys.revoke('acme', '000000000000')).rejects.toThrow(
    'tenant "acme" has no key with id 000000000000; `list` shows its keys',
  );
});

test('a key hash collision (or a replayed issue) never overwrites a stored key', async () => {
  const keys = store();
  const fixed = { key: 'sk-llm-' + 'q'.repeat(43), keyHash: 'f'.repeat(64), keyId: 'f'.repeat(12) };
  await keys.issue({ tenant: 'delta', tier: 'standard' }, () => fixed);
  await expect(keys.issue({ tenant: 'other', tier: 'standard' }, () => fixed)).rejects.toThrow(
    /conditional request failed/i,
  );
  expect(dynamo.items.get(fixed.keyHash)?.tenant).toEqual({ S: 'delta' });
});

test('an item missing what the authorizer needs counts as no key', async () => {
  dynamo.items.set('e'.repeat(64), { keyHash: { S: 'e'.repeat(64) }, tenant: { S: 'x' } });
  await expect(store().find('e'.repeat(64))).resolves.toBeUndefined();
});

test('a wrong table fails loudly rather than refusing every key', async () => {
  await expect(store('no-such-table').find('a'.repeat(64))).rejects.toThrow(/not found/);
});
