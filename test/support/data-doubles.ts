import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type {
  ICacheClient,
  IDatabaseClient,
  IProviderSecrets,
  IResponseCache,
  IVectorStore,
  ResponseCacheMetricsIdentity,
} from '../../constructs';

/**
 * Small stand-ins for the data constructs, built from real CDK resources (a security group, a
 * secret), that honour the contracts in constructs/{response-cache,vector-store,provider-secrets}.
 * Tests of the request path use them to stay independent of how the data constructs are built.
 */

export class CacheDouble extends Construct implements IResponseCache {
  readonly endpointAddress = 'cache.example.internal';
  readonly port = 6380;
  readonly gatewayUsername = 'gateway';
  readonly gatewayPasswordSecret: secretsmanager.ISecret;
  readonly connections: ec2.Connections;

  constructor(
    scope: Construct,
    id: string,
    vpc: ec2.IVpc,
    readonly metricsIdentity?: ResponseCacheMetricsIdentity,
  ) {
    super(scope, id);
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc, allowAllOutbound: false });
    this.connections = new ec2.Connections({ securityGroups: [securityGroup], defaultPort: ec2.Port.tcp(this.port) });
    this.gatewayPasswordSecret = new secretsmanager.Secret(this, 'GatewayPassword');
  }

  grantConnect(client: ICacheClient): iam.Grant {
    client.connections.allowToDefaultPort(this, 'Redis from the client');
    return this.gatewayPasswordSecret.grantRead(client);
  }
}

export class VectorStoreDouble extends Construct implements IVectorStore {
  readonly endpointAddress = 'db.example.internal';
  readonly port = 5432;
  readonly databaseName = 'platform';
  readonly secret: secretsmanager.ISecret;
  readonly connections: ec2.Connections;

  constructor(
    scope: Construct,
    id: string,
    vpc: ec2.IVpc,
    readonly clusterIdentifier?: string,
  ) {
    super(scope, id);
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc, allowAllOutbound: false });
    this.connections = new ec2.Connections({ securityGroups: [securityGroup], defaultPort: ec2.Port.tcp(this.port) });
    this.secret = new secretsmanager.Secret(this, 'Credentials');
  }

  grantConnect(client: IDatabaseClient): iam.Grant {
    client.connections.allowToDefaultPort(this, 'Postgres from the client');
    return this.secret.grantRead(client);
  }
}

export class ProviderSecretsDouble extends Construct implements IProviderSecrets {
  readonly credentialNames: readonly string[];
  private readonly secrets = new Map<string, secretsmanager.Secret>();

  constructor(scope: Construct, id: string, credentialNames: readonly string[]) {
    super(scope, id);
    this.credentialNames = credentialNames;
    for (const name of credentialNames) this.secrets.set(name, new secretsmanager.Secret(this, name));
  }

  secretFor(credential: string): secretsmanager.ISecret {
    const secret = this.secrets.get(credential);
    if (!secret) throw new Error(`no credential "${credential}"; known: ${this.credentialNames.join(', ')}`);
    return secret;
  }

  grantRead(grantee: iam.IGrantable, credentials: readonly string[]): iam.Grant[] {
    return credentials.map((name) => this.secretFor(name).grantRead(grantee));
  }
}
