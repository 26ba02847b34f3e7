import { hash, randomFillSync, randomUUID } from 'node:crypto';
import type { GatewayConfig } from '../../contract/config/gateway-config';
import { GatewayError } from '../http/errors';
import type { CallerIdentity } from '../http/types';

export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}

/**
 * Authenticates `Authorization: Bearer <key>` against the configured key hashes. Keys are looked up
 * by their SHA-256, so the stored value is useless to a reader and the lookup time does not depend
 * on how much of a guessed key is right.
 */
export class ApiKeyAuthenticator {
  private readonly byHash: Map<string, CallerIdentity>;

  constructor(keys: GatewayConfig['apiKeys']) {
    this.byHash = new Map(
      keys.map((key) => [
        key.sha256,
        { tenant: key.tenant, user: key.user, keyId: key.sha256.slice(0, 12), allowedModels: key.models },
      ]),
    );
  }

  authenticate(authorization: string | undefined): CallerIdentity {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) {
      throw GatewayError.unauthorized(
        "You didn't provide an API key. Send it in the Authorization header: 'Authorization: Bearer YOUR_KEY'.",
      );
    }
    const identity = this.byHash.get(sha256Hex(match[1]));
    if (!identity) throw GatewayError.unauthorized('Incorrect API key provided.');
    return identity;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's `x-request-id` when it is a sane token, else a new one. */
export function requestIdOf(header: string | undefined): string {
  return header && REQUEST_ID.test(header) ? header : randomUUID();
}

const TRACEPARENT = /^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/;

// Random ids come from a pool refilled 4 kB at a time: one call into the CSPRNG per ~170 requests
// rather than two per request (the way randomUUID batches its own).
const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;
function randomHex(bytes: number): string {
  if (poolAt + bytes > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += bytes;
  return pool.toString('hex', poolAt - bytes, poolAt);
}

/** A W3C `traceparent` for the upstream call: the caller's trace continued, or a new one. */
export function childTraceparent(incoming: string | undefined): string {
  const match = incoming ? TRACEPARENT.exec(incoming) : null;
  const traceId = match && match[1] !== '0'.repeat(32) ? match[1] : randomHex(16);
  const flags = match ? match[2] : '01';
  return `00-${traceId}-${randomHex(8)}-${flags}`;
}
