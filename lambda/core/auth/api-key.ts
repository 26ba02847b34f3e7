import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../pipeline/identity';

export { sha256Hex };

/**
 * The platform's API keys: `sk-llm-` and 43 base64url characters (256 random bits). Only the
 * SHA-256 of a key is stored; the key itself is shown once, when it is issued.
 */
export const API_KEY_PREFIX = 'sk-llm-';
const API_KEY = /^sk-llm-[A-Za-z0-9_-]{43}$/;

export interface IssuedKey {
  /** The key to hand to the caller. Never stored. */
  readonly key: string;
  /** Hex SHA-256 of the key: the table's partition key. */
  readonly keyHash: string;
  /** A short public id of the key (first 12 hex digits of its hash), for logs, traces and revocation. */
  readonly keyId: string;
}

/** The public id of a key, from its hash: the same id the gateway's own key check uses. */
export function keyIdOf(keyHash: string): string {
  return keyHash.slice(0, 12);
}

export function isWellFormedKey(key: string): boolean {
  return API_KEY.test(key);
}

export function generateApiKey(random: (bytes: number) => Buffer = randomBytes): IssuedKey {
  const key = `${API_KEY_PREFIX}${random(32).toString('base64url')}`;
  const keyHash = sha256Hex(key);
  return { key, keyHash, keyId: keyIdOf(keyHash) };
}

/** What the key table holds for one key. */
export interface ApiKeyRecord {
  readonly keyHash: string;
  readonly keyId: string;
  readonly tenant: string;
  /** Usage tier: selects the usage plan (throttle and quota) API Gateway applies. */
  readonly tier: string;
  readonly user?: string;
  /** Public model names the key may use; absent for all. */
  readonly models?: readonly string[];
  readonly status: 'active' | 'revoked';
  /** Epoch seconds after which the key is refused. */
  readonly expiresAt?: number;
  /** ISO time of issue. */
  readonly createdAt: string;
  readonly revokedAt?: string;
  readonly description?: string;
}

/** Looks a key up by its hash. */
export interface ApiKeyStore {
  find(keyHash: string): Promise<ApiKeyRecord | undefined>;
}
