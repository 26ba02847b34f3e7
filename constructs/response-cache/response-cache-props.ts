import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ConnectableStoreAttributes } from '../shared/connectable-store';
import type { DataStorePlacementProps } from '../shared/props';

/** Redis-compatible engines ElastiCache runs. Valkey is the open-source fork, and cheaper. */
export type CacheEngine = 'valkey' | 'redis';

/** The key prefix the gateway's stores use (see lambda/core/policy/*: `llmgw:`). */
export const GATEWAY_KEY_PREFIX = 'llmgw:';

/**
 * The ACL the gateway user gets: its own keys only, the data commands its stores use (strings,
 * hashes, counters, Lua scripts, expiry), the server clock its scripts read (TIME) and INFO for the
 * client's ready check; none of the administrative or dangerous ones (FLUSHALL, KEYS, CONFIG,
 * MONITOR...), and no SCAN (other tenants' key names). Checked against a real server in
 * test/constructs/response-cache-acl.test.ts by running the gateway's stores as this user.
 */
export function gatewayAccessString(keyPrefix: string = GATEWAY_KEY_PREFIX): string {
  return `on ~${keyPrefix}* resetchannels -@all +@read +@write +@scripting +@connection -@dangerous +time +info -scan`;
}

/** The access string of the replacement `default` user: disabled, no keys, no commands. */
export const DISABLED_DEFAULT_USER_ACCESS = 'off resetkeys resetchannels -@all';

export interface ResponseCacheProps extends DataStorePlacementProps {
  /**
   * @default 'valkey'
   */
  readonly engine?: CacheEngine;
  /**
   * Engine version: Valkey 7.2 or later, or Redis OSS 6.0 or later (RBAC users need them).
   * @default '8.2' for Valkey, '7.1' for Redis OSS
   */
  readonly engineVersion?: string;
  /**
   * Node type, for example `cache.t4g.small` or `cache.r7g.large`.
   * @default 'cache.t4g.small'
   */
  readonly nodeType?: string;
  /**
   * Highly available: Multi-AZ with automatic failover to a replica in another zone. Needs at least
   * one replica, and subnets in at least two zones.
   * @default true
   */
  readonly highAvailability?: boolean;
  /**
   * Read replicas besides the primary (0 to 5).
   * @default 1 when highly available, else 0
   */
  readonly replicas?: number;
  /**
   * TCP port. Not 6379, so that scans for the default port do not find it.
   * @default 6380
   */
  readonly port?: number;
  /**
   * Key that encrypts the data at rest, its snapshots and the gateway user's password secret.
   * @default - a new customer-managed key with rotation enabled
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Days of daily snapshots kept (1 to 35).
   * @default 15
   */
  readonly snapshotRetentionDays?: number;
  /**
   * Daily snapshot window (UTC), `hh:mm-hh:mm`, at least 60 minutes, not overlapping maintenance.
   * @default '03:00-04:00'
   */
  readonly snapshotWindow?: string;
  /**
   * Weekly maintenance window (UTC), `ddd:hh:mm-ddd:hh:mm`.
   * @default 'sun:05:00-sun:06:00'
   */
  readonly maintenanceWindow?: string;
  /**
   * RBAC user name the gateway connects as.
   * @default 'llm-gateway'
   */
  readonly gatewayUsername?: string;
  /**
   * The key prefix the gateway user is limited to.
   * @default 'llmgw:' (what the gateway uses)
   */
  readonly keyPrefix?: string;
  /**
   * What happens to the cache when the stack is deleted: SNAPSHOT keeps a final snapshot.
   * The key and the password secret are retained unless this is DESTROY.
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;
}

export interface ResponseCacheAttributes extends ConnectableStoreAttributes {
  /** RBAC user the gateway connects as. */
  readonly gatewayUsername: string;
  /** Secret with that user's password, as JSON `{ "username": ..., "password": ... }`. */
  readonly gatewayPasswordSecret: secretsmanager.ISecret;
}
