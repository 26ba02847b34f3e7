import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ConnectableStoreAttributes } from '../shared/connectable-store';
import type { DataStorePlacementProps, EncryptedResourceProps } from '../shared/props';

/**
 * The first Aurora PostgreSQL minor version of each major that ships pgvector 0.8 (iterative index
 * scans, the filtered-search fix the semantic cache relies on). Every one of them can also scale
 * Serverless v2 to 0 ACUs.
 */
export const MINIMUM_PGVECTOR_08_VERSIONS: Readonly<Record<string, string>> = {
  '13': '13.20',
  '14': '14.17',
  '15': '15.12',
  '16': '16.8',
  '17': '17.4',
};

/** The engine version new vector stores get. */
export const DEFAULT_VECTOR_STORE_ENGINE = rds.AuroraPostgresEngineVersion.VER_17_7;

export interface VectorStoreProps extends DataStorePlacementProps, EncryptedResourceProps {
  /**
   * Subnets for the functions that set up the schema and rotate the credentials. They must reach
   * the database and Secrets Manager (an interface endpoint or NAT).
   * @default - the VPC's private subnets with egress (`Network.applicationSubnets`)
   */
  readonly functionVpcSubnets?: ec2.SubnetSelection;
  /** @deprecated use `functionVpcSubnets` */
  readonly functionSubnets?: ec2.SubnetSelection;
  /**
   * Aurora PostgreSQL version: one whose pgvector is 0.8 or later (13.20, 14.17, 15.12, 16.8, 17.4 and up).
   * @default DEFAULT_VECTOR_STORE_ENGINE (17.7)
   */
  readonly engineVersion?: rds.AuroraPostgresEngineVersion;
  /**
   * Highly available: a reader in another zone to fail over to, deletion protection, and the
   * cluster retained when the stack is deleted.
   * @default true
   */
  readonly highAvailability?: boolean;
  /**
   * Fewest Aurora capacity units (ACUs) to scale down to, 0 to 256. At 0 the cluster pauses after
   * `autoPause` without connections and resumes on the next one (about 15 seconds: the gateway's
   * semantic-cache lookups miss meanwhile, they do not fail).
   * @default 0.5 when highly available, else 0
   */
  readonly minCapacity?: number;
  /**
   * Most ACUs to scale up to, 1 to 256, at least `minCapacity`.
   * @default 4
   */
  readonly maxCapacity?: number;
  /**
   * How long without connections before a cluster with `minCapacity` 0 pauses (5 minutes to 1 day).
   * @default Duration.minutes(10)
   */
  readonly autoPause?: Duration;
  /**
   * Database holding the platform's schema.
   * @default 'llm_platform'
   */
  readonly databaseName?: string;
  /**
   * TCP port. Not 5432, so that scans for the default port do not find it.
   * @default 5433
   */
  readonly port?: number;
  /**
   * Vector size of the semantic cache's embedding model (its table's HNSW-indexed column; at most
   * 2,000). It must match the gateway's `semanticCache.embeddingModel` (the built-in offline
   * embedder has 256). Changing it empties the semantic cache: its table is made again.
   * @default 256
   */
  readonly dimensions?: number;
  /**
   * Vector sizes of every embedding model collections may use: each gets an HNSW index (`halfvec`
   * above 2,000 dimensions, up to 4,000). A collection of a size not listed is searched without one.
   * @default [dimensions]
   */
  readonly embeddingDimensions?: readonly number[];
  /**
   * Key that encrypts the storage, snapshots, credentials, Performance Insights and the logs.
   * @default - a new customer-managed key with rotation enabled
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * How long automated backups are kept (1 to 35 days).
   * @default Duration.days(35) when highly available, else Duration.days(7)
   */
  readonly backupRetention?: Duration;
  /**
   * How often the credentials are rotated (4 hours to 1000 days): the master user's in place, the
   * application's by alternating users, so the gateway's cached login stays valid until the next one.
   * @default Duration.days(30)
   */
  readonly credentialRotation?: Duration;
  /**
   * The role the gateway connects as (it reads and writes the platform's tables, nothing else).
   * @default 'llm_app'
   */
  readonly applicationRole?: string;
  /**
   * Protects the cluster from being deleted.
   * @default - true when highly available
   */
  readonly deletionProtection?: boolean;
  /**
   * What happens to the cluster when the stack is deleted. The key and the logs are kept unless
   * this is DESTROY.
   * @default RemovalPolicy.RETAIN when highly available, else RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;
}

export interface VectorStoreAttributes extends ConnectableStoreAttributes {
  readonly databaseName: string;
  /** Secret with the application user's credentials (JSON with `username` and `password`). */
  readonly secret: secretsmanager.ISecret;
}
