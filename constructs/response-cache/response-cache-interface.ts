import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import type { IStoreClient } from '../shared/connectable-store';

/** Something that runs in the VPC under a role: a function, a task, a node group's pods. */
export type ICacheClient = IStoreClient;

/** How CloudWatch names a cache's metrics, for the platform's dashboards and alarms. */
export interface ResponseCacheMetricsIdentity {
  /** ElastiCache Serverless (metrics by `clusterId`) or node-based (metrics by each node's `CacheClusterId`). */
  readonly serverless: boolean;
  /** The serverless cache's name, or the node-based cache cluster ids (one per node) to chart. */
  readonly clusterIds: readonly string[];
}

/**
 * The gateway's Redis-compatible cache (ElastiCache for Valkey or Redis OSS), created by
 * `ResponseCache` or imported with `ResponseCache.fromResponseCacheAttributes`. Always TLS.
 */
export interface IResponseCache extends IConstruct, ec2.IConnectable {
  /** Host name clients connect to (the primary or configuration endpoint). */
  readonly endpointAddress: string;
  /** TCP port clients connect to. */
  readonly port: number;
  /** RBAC user name the gateway connects as. */
  readonly gatewayUsername: string;
  /** Secret holding that user's password, as JSON `{ "username": ..., "password": ... }`. */
  readonly gatewayPasswordSecret: secretsmanager.ISecret;
  /**
   * Lets `client` reach the cache on its port and read the gateway user's password secret (the
   * grant returned is the secret's).
   */
  grantConnect(client: ICacheClient): iam.Grant;
  /**
   * Where CloudWatch keeps the cache's metrics; `PlatformObservability` needs it to chart the cache.
   * @default unknown: the cache cannot be charted
   */
  readonly metricsIdentity?: ResponseCacheMetricsIdentity;
}
