import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import type { IStoreClient } from '../shared/connectable-store';

/** Something that runs in the VPC under a role and talks to the database. */
export type IDatabaseClient = IStoreClient;

/**
 * The PostgreSQL + pgvector store behind the semantic cache and the embedding service, created by
 * `VectorStore` (Aurora PostgreSQL Serverless v2) or imported with `VectorStore.fromVectorStoreAttributes`.
 * Clients connect with TLS, with the credentials in `secret`.
 */
export interface IVectorStore extends IConstruct, ec2.IConnectable {
  /** Host name of the writer endpoint. */
  readonly endpointAddress: string;
  /** TCP port of the writer endpoint. */
  readonly port: number;
  /** Database that holds the platform's schema (see lambda/contract/vector-schema/migrations.ts). */
  readonly databaseName: string;
  /** Secret with the application user's credentials, as JSON with at least `username` and `password`. */
  readonly secret: secretsmanager.ISecret;
  /** Lets `client` reach the database on its port and read `secret` (the grant returned is the secret's). */
  grantConnect(client: IDatabaseClient): iam.Grant;
  /**
   * The Aurora cluster's identifier (CloudWatch's `DBClusterIdentifier`); `PlatformObservability`
   * needs it to chart the database.
   * @default unknown: the database cannot be charted
   */
  readonly clusterIdentifier?: string;
}
