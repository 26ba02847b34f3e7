import type { PropsCheck } from '../shared/validation';
import { GATEWAY_KEY_PREFIX, type CacheEngine, type ResponseCacheProps } from './response-cache-props';

/** The first versions with RBAC users (Redis OSS 6) or with Valkey's own RBAC engine (7.2). */
const MINIMUM_VERSION: Record<CacheEngine, [number, number]> = { valkey: [7, 2], redis: [6, 0] };
/** The version a new cache of each engine runs. */
export const DEFAULT_CACHE_VERSION: Record<CacheEngine, string> = { valkey: '8.2', redis: '7.1' };

/** The props with their defaults applied, as the checks read them. */
export interface ResolvedResponseCacheProps {
  readonly engine: CacheEngine;
  readonly engineVersion: string;
  readonly highAvailability: boolean;
  readonly replicas: number;
  readonly port: number;
  readonly snapshotRetentionDays: number;
}

/** Records on `check` every problem of a response cache's props, each with what to do. */
export function checkResponseCacheProps(
  check: PropsCheck,
  props: ResponseCacheProps,
  resolved: ResolvedResponseCacheProps,
): void {
  const { engine, engineVersion, highAvailability, replicas, port, snapshotRetentionDays } = resolved;
  if (engine !== 'valkey' && engine !== 'redis') check.fail(`engine is "${String(engine)}"; use "valkey" or "redis"`);
  const version = /^(\d+)\.(\d+)$/.exec(engineVersion);
  const [minMajor, minMinor] = MINIMUM_VERSION[engine];
  check.expect(
    !!version && (Number(version[1]) > minMajor || (Number(version[1]) === minMajor && Number(version[2]) >= minMinor)),
    `engineVersion is "${engineVersion}"; ${engine} needs a major.minor version of at least ${minMajor}.${minMinor} ` +
      `for RBAC users (for example "${DEFAULT_CACHE_VERSION[engine]}")`,
  );
  check.expect(
    Number.isInteger(replicas) && replicas >= 0 && replicas <= 5,
    `replicas is ${replicas}; give a whole number from 0 to 5`,
  );
  check.expect(
    !highAvailability || replicas >= 1,
    'highAvailability needs at least one replica to fail over to; set replicas to 1 or more, or highAvailability to false',
  );
  check.expect(
    Number.isInteger(port) && port >= 1024 && port <= 65535 && port !== 6379,
    `port is ${port}; give a port from 1024 to 65535 other than Redis's default 6379 (for example 6380)`,
  );
  check.expect(
    Number.isInteger(snapshotRetentionDays) && snapshotRetentionDays >= 1 && snapshotRetentionDays <= 35,
    `snapshotRetentionDays is ${snapshotRetentionDays}; keep snapshots for 1 to 35 days (ElastiCache's range)`,
  );
  checkNames(check, props);
}

function checkNames(check: PropsCheck, { nodeType, gatewayUsername, keyPrefix }: ResponseCacheProps): void {
  check.expect(
    nodeType === undefined || /^cache\.[a-z0-9]+\.[a-z0-9]+$/.test(nodeType),
    `nodeType is "${nodeType}"; give an ElastiCache node type such as "cache.t4g.small"`,
  );
  check.expect(
    gatewayUsername === undefined || /^[A-Za-z][A-Za-z0-9-]{0,39}$/.test(gatewayUsername),
    `gatewayUsername is "${gatewayUsername}"; use up to 40 letters, digits and hyphens, starting with a letter`,
  );
  check.expect(
    gatewayUsername !== 'default',
    'gatewayUsername cannot be "default": that user is disabled; pick another name',
  );
  check.expect(
    keyPrefix === undefined || /^[A-Za-z0-9:_.-]{1,64}$/.test(keyPrefix),
    `keyPrefix is "${keyPrefix}"; use letters, digits and :_.- (the gateway's is "${GATEWAY_KEY_PREFIX}")`,
  );
}
