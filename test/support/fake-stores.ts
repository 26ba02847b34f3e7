import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type {
  ICacheClient,
  IResponseCache,
  ResponseCacheMetricsIdentity,
} from '../../constructs/response-cache/response-cache-interface';
import type { IDatabaseClient, IVectorStore } from '../../constructs/vector-store/vector-store-interface';

/**
 * Stand-ins for the data-store contracts, for constructs that consume them (dashboards, the kill
 * switch) to be tested before, or apart from, the constructs that implement them.
 */
export class FakeResponseCache extends Construct implements IResponseCache {
  readonly connections: ec2.Connections;
  readonly endpointAddress = 'master.llm-cache.abc123.use1.cache.amazonaws.com';
  readonly port = 6379;
  readonly gatewayUsername = 'llm-gateway';
  readonly gatewayPasswordSecret: secretsmanager.ISecret;

  constructor(
    scope: Construct,
    id: string,
    vpc: ec2.IVpc,
    readonly metricsIdentity?: ResponseCacheMetricsIdentity,
  ) {
    super(scope, id);
    const group = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc, description: 'fake cache' });
    this.connections = new ec2.Connections({ securityGroups: [group], defaultPort: ec2.Port.tcp(this.port) });
    this.gatewayPasswordSecret = secretsmanager.Secret.fromSecretCompleteArn(
      this,
      'Password',
      'arn:aws:secretsmanager:us-east-1:111122223333:secret:llm-cache-gateway-AbCdEf',
    );
  }

  grantConnect(client: ICacheClient): void {
    this.connections.allowDefaultPortFrom(client);
    this.gatewayPasswordSecret.grantRead(client);
  }
}

export class FakeVectorStore extends Construct implements IVectorStore {
  readonly connections: ec2.Connections;
  readonly endpointAddress = 'llm-vectors.cluster-abc123.us-east-1.rds.amazonaws.com';
  readonly port = 5432;
  readonly databaseName = 'llm';
  readonly secret: secretsmanager.ISecret;

  constructor(
    scope: Construct,
    id: string,
    vpc: ec2.IVpc,
    readonly clusterIdentifier?: string,
  ) {
    super(scope, id);
    const group = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc, description: 'fake vector store' });
    this.connections = new ec2.Connections({ securityGroups: [group], defaultPort: ec2.Port.tcp(this.port) });
    this.secret = secretsmanager.Secret.fromSecretCompleteArn(
      this,
      'Secret',
      'arn:aws:secretsmanager:us-east-1:111122223333:secret:llm-vectors-AbCdEf',
    );
  }

  grantConnect(client: IDatabaseClient): void {
    this.connections.allowDefaultPortFrom(client);
    this.secret.grantRead(client);
  }
}
