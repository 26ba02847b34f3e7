import { CfnOutput, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { VectorSizes } from './vector-sizes';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  ProviderSecrets,
  ResponseCache,
  VectorStore,
  type IProviderSecrets,
  type IResponseCache,
  type IVectorStore,
  type Network,
} from '../constructs';
import type { EnvironmentConfig } from './config/schema';

/**
 * The gateway's data stores for one environment, from its config: each created in the network's
 * data subnets, or the existing one the config names. Construct ids are fixed ('ResponseCache',
 * 'VectorStore', 'ProviderSecrets'): the acknowledgments and the snapshot refer to them.
 */
export interface DataStores {
  readonly responseCache: IResponseCache;
  readonly vectorStore: IVectorStore;
  readonly providerSecrets: IProviderSecrets;
}

function existingSecret(scope: Construct, id: string, arn: string, keyArn?: string): secretsmanager.ISecret {
  return secretsmanager.Secret.fromSecretAttributes(scope, id, {
    secretCompleteArn: arn,
    encryptionKey: keyArn ? kms.Key.fromKeyArn(scope, `${id}Key`, keyArn) : undefined,
  });
}

export function addDataStores(
  scope: Construct,
  config: EnvironmentConfig,
  network: Network,
  removalPolicy: RemovalPolicy,
  vectorSizes: VectorSizes,
): DataStores {
  const { cache, vectorStore, providerSecrets } = config;

  const responseCache = cache.existing
    ? ResponseCache.fromResponseCacheAttributes(scope, 'ResponseCache', {
        endpointAddress: cache.existing.endpointAddress,
        port: cache.existing.port,
        securityGroups: [
          ec2.SecurityGroup.fromSecurityGroupId(scope, 'ResponseCacheSecurityGroup', cache.existing.securityGroupId),
        ],
        gatewayUsername: cache.existing.gatewayUsername,
        gatewayPasswordSecret: existingSecret(
          scope,
          'ResponseCachePassword',
          cache.existing.passwordSecretArn,
          cache.existing.passwordSecretKeyArn,
        ),
      })
    : new ResponseCache(scope, 'ResponseCache', {
        vpc: network.vpc,
        vpcSubnets: network.dataSubnets,
        highAvailability: config.highAvailability,
        nodeType: cache.nodeType,
        replicas: cache.replicas,
        engineVersion: cache.engineVersion,
        snapshotRetentionDays: cache.snapshotRetentionDays,
        removalPolicy,
      });

  const vectors = vectorStore.existing
    ? VectorStore.fromVectorStoreAttributes(scope, 'VectorStore', {
        endpointAddress: vectorStore.existing.endpointAddress,
        port: vectorStore.existing.port,
        databaseName: vectorStore.existing.databaseName,
        securityGroups: [
          ec2.SecurityGroup.fromSecurityGroupId(
            scope,
            'VectorStoreSecurityGroup',
            vectorStore.existing.securityGroupId,
          ),
        ],
        secret: existingSecret(
          scope,
          'VectorStoreSecret',
          vectorStore.existing.secretArn,
          vectorStore.existing.secretKeyArn,
        ),
      })
    : new VectorStore(scope, 'VectorStore', {
        vpc: network.vpc,
        vpcSubnets: network.dataSubnets,
        functionVpcSubnets: network.applicationSubnets,
        highAvailability: config.highAvailability,
        minCapacity: vectorStore.minCapacity,
        maxCapacity: vectorStore.maxCapacity,
        autoPause:
          vectorStore.autoPauseMinutes !== undefined ? Duration.minutes(vectorStore.autoPauseMinutes) : undefined,
        dimensions: vectorSizes.dimensions,
        embeddingDimensions: vectorSizes.embeddingDimensions,
        removalPolicy,
      });

  const existingKey = providerSecrets.existingKeyArn
    ? kms.Key.fromKeyArn(scope, 'ProviderSecretsExistingKey', providerSecrets.existingKeyArn)
    : undefined;
  const secrets = new ProviderSecrets(scope, 'ProviderSecrets', {
    credentials: providerSecrets.credentials,
    existingSecrets: Object.fromEntries(
      Object.entries(providerSecrets.existing).map(([name, arn]) => [
        name,
        secretsmanager.Secret.fromSecretAttributes(scope, `ProviderSecret-${name}`, {
          secretCompleteArn: arn,
          encryptionKey: existingKey,
        }),
      ]),
    ),
    removalPolicy,
  });
  // Where an operator puts each key after deploy (README, "Provider secrets").
  for (const name of secrets.credentialNames) {
    new CfnOutput(Stack.of(scope), `ProviderSecret${pascal(name)}`, {
      description: `Secret of the "${name}" provider credential: aws secretsmanager put-secret-value --secret-id <this>`,
      value: secrets.secretFor(name).secretArn,
    });
  }

  return { responseCache, vectorStore: vectors, providerSecrets: secrets };
}

function pascal(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
