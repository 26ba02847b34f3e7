import { isWellFormedKey, sha256Hex, type ApiKeyRecord, type ApiKeyStore } from './api-key';

/** Who a verified key belongs to: what the gateway needs to know about its caller. */
export interface VerifiedCaller {
  readonly tenant: string;
  readonly tier: string;
  readonly keyId: string;
  readonly user?: string;
  readonly models?: readonly string[];
}

/** Why a key was refused. Only the authorizer's logs see it; the caller gets a plain 401. */
export type Refusal = 'missing' | 'malformed' | 'unknown' | 'revoked' | 'expired' | 'unknown_tier';

export type Verdict =
  | { readonly ok: true; readonly caller: VerifiedCaller }
  | { readonly ok: false; readonly reason: Refusal; readonly keyId?: string };

export interface VerifierOptions {
  /** Tiers that have a usage plan; a key of any other tier is refused. */
  readonly tiers: readonly string[];
  /** Epoch milliseconds. */
  readonly now?: () => number;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * Verifies `Authorization: Bearer <key>` against the key store: the key is hashed with SHA-256 and
 * looked up by its hash, so the store never holds a usable key and the lookup's time does not
 * depend on how much of a guess is right. A malformed key is refused before any lookup.
 * Knows nothing of Lambda or API Gateway: the authorizer handler drives it.
 */
export class ApiKeyVerifier {
  private readonly tiers: ReadonlySet<string>;
  private readonly now: () => number;

  constructor(
    private readonly store: ApiKeyStore,
    options: VerifierOptions,
  ) {
    this.tiers = new Set(options.tiers);
    this.now = options.now ?? Date.now;
  }

  async verify(authorization: string | undefined): Promise<Verdict> {
    if (!authorization) return { ok: false, reason: 'missing' };
    const key = BEARER.exec(authorization)?.[1];
    if (!key || !isWellFormedKey(key)) return { ok: false, reason: 'malformed' };
    const record = await this.store.find(sha256Hex(key));
    if (!record) return { ok: false, reason: 'unknown' };
    return this.judge(record);
  }

  private judge(record: ApiKeyRecord): Verdict {
    const keyId = record.keyId;
    if (record.status !== 'active') return { ok: false, reason: 'revoked', keyId };
    if (record.expiresAt !== undefined && record.expiresAt * 1000 <= this.now()) {
      return { ok: false, reason: 'expired', keyId };
    }
    if (!this.tiers.has(record.tier)) return { ok: false, reason: 'unknown_tier', keyId };
    return {
      ok: true,
      caller: { tenant: record.tenant, tier: record.tier, keyId, user: record.user, models: record.models },
    };
  }
}
