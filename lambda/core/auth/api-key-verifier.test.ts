import { createHash } from 'node:crypto';
import { generateApiKey, isWellFormedKey, keyIdOf, type ApiKeyRecord, type ApiKeyStore } from './api-key';
import { ApiKeyVerifier } from './api-key-verifier';

/** Keys and their hashes computed here, independently of the code under test. */
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const KEY = 'sk-llm-' + 'A'.repeat(40) + 'b_-';
const OTHER = 'sk-llm-' + 'Z'.repeat(43);
const NOW = Date.UTC(2026, 5, 1);

function record(key: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  const keyHash = sha256(key);
  return {
    keyHash,
    keyId: keyHash.slice(0, 12),
    tenant: 'acme',
    tier: 'standard',
    status: 'active',
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

class MapStore implements ApiKeyStore {
  readonly lookups: string[] = [];
  constructor(private readonly records: ApiKeyRecord[]) {}
  async find(keyHash: string) {
    this.lookups.push(keyHash);
    return this.records.find((r) => r.keyHash === keyHash);
  }
}

function verifier(records: ApiKeyRecord[], tiers = ['standard', 'premium']) {
  const store = new MapStore(records);
  return { store, verifier: new ApiKeyVerifier(store, { tiers, now: () => NOW }) };
}

describe('ApiKeyVerifier', () => {
  test('a valid key maps to its tenant, tier, user and models; the store is asked by the SHA-256 of the key', async () => {
    const { store, verifier: v } = verifier([record(KEY, { user: 'alice', models: ['chat', 'embed'] })]);
    await expect(v.verify(`Bearer ${KEY}`)).resolves.toEqual({
      ok: true,
      caller: {
        tenant: 'acme',
        tier: 'standard',
        keyId: sha256(KEY).slice(0, 12),
        user: 'alice',
        models: ['chat', 'embed'],
      },
    });
    expect(store.lookups).toEqual([sha256(KEY)]);
  });

  test('the scheme is case-insensitive and surrounding blanks are tolerated', async () => {
    const { verifier: v } = verifier([record(KEY)]);
    expect((await v.verify(`bearer  ${KEY} `)).ok).toBe(true);
  });

  test('an unknown key is refused after one lookup', async () => {
    const { store, verifier: v } = verifier([record(KEY)]);
    await expect(v.verify(`Bearer ${OTHER}`)).resolves.toEqual({ ok: false, reason: 'unknown' });
    expect(store.lookups).toEqual([sha256(OTHER)]);
  });

  test.each([
    ['no header', undefined, 'missing'],
    ['an empty header', '', 'missing'],
    ['another scheme', `Basic ${KEY}`, 'malformed'],
    ['a bare key', KEY, 'malformed'],
    ['a key of another format', 'Bearer sk-proj-abc123', 'malformed'],
    ['a truncated key', `Bearer ${KEY.slice(0, -1)}`, 'malformed'],
    ['two tokens', `Bearer ${KEY} ${OTHER}`, 'malformed'],
  ])('%s is refused without a lookup', async (_name, header, reason) => {
    const { store, verifier: v } = verifier([record(KEY)]);
    await expect(v.verify(header)).resolves.toEqual({ ok: false, reason });
    expect(store.lookups).toEqual([]);
  });

  test('a revoked key is refused, naming its id for the log', async () => {
    const { verifier: v } = verifier([record(KEY, { status: 'revoked', revokedAt: '2026-05-01T00:00:00.000Z' })]);
    await expect(v.verify(`Bearer ${KEY}`)).resolves.toEqual({
      ok: false,
      reason: 'revoked',
      keyId: keyIdOf(sha256(KEY)),
    });
  });

  test('a key is refused from its expiry on, and accepted the second before', async () => {
    const nowSeconds = NOW / 1000;
    const expired = verifier([record(KEY, { expiresAt: nowSeconds })]).verifier;
    await expect(expired.verify(`Bearer ${KEY}`)).resolves.toMatchObject({ ok: false, reason: 'expired' });
    const live = verifier([record(KEY, { expiresAt: nowSeconds + 1 })]).verifier;
    await expect(live.verify(`Bearer ${KEY}`)).resolves.toMatchObject({ ok: true });
  });

  test('a key of a tier without a usage plan is refused', async () => {
    const { verifier: v } = verifier([record(KEY, { tier: 'gold' })]);
    await expect(v.verify(`Bearer ${KEY}`)).resolves.toMatchObject({ ok: false, reason: 'unknown_tier' });
  });
});

describe('issued keys', () => {
  test('have the platform format, 256 random bits, and an id taken from their hash', () => {
    const issued = generateApiKey();
    expect(isWellFormedKey(issued.key)).toBe(true);
    expect(issued.keyHash).toBe(sha256(issued.key));
    expect(issued.keyId).toBe(issued.keyHash.slice(0, 12));
    expect(Buffer.from(issued.key.slice('sk-llm-'.length), 'base64url')).toHaveLength(32);
    expect(generateApiKey().key).not.toBe(issued.key);
  });
});
