import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { KEY_TABLE_PARTITION_KEY, KEY_TABLE_TENANT_INDEX } from '../../lambda/contract/api-keys';
import { AUTHORIZER_ENV } from '../../lambda/contract/environment';
import { customerManagedKey } from '../shared/customer-managed-key';
import { acknowledgeRules } from '../shared/nag-acknowledgments';
import { APPLICATION_SUBNETS, type VpcPlacementProps } from '../shared/props';
import { serviceFunction } from '../shared/service-function';

/** The API key table: on demand, a key of its own, point-in-time recovery, an index by tenant. */
export function apiKeyTable(scope: Construct, removalPolicy: RemovalPolicy): dynamodb.Table {
  const table = new dynamodb.Table(scope, 'KeyTable', {
    partitionKey: { name: KEY_TABLE_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    // A key of its own, so that reading key hashes takes a grant on it besides the table's
    // (the authorizer has both; operators issuing keys need kms:Decrypt and GenerateDataKey too).
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: customerManagedKey(scope, 'KeyTableKey', {
      description: `Encrypts the API key hashes of ${scope.node.path}`,
      removalPolicy,
    }),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
    removalPolicy,
  });
  table.addGlobalSecondaryIndex({
    indexName: KEY_TABLE_TENANT_INDEX,
    partitionKey: { name: 'tenant', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'keyId', type: dynamodb.AttributeType.STRING },
  });
  acknowledgeRules(
    table,
    ['NIST.800.53.R5-DynamoDBInBackupPlan'],
    'The key table holds only key hashes and their tenant metadata, and is restorable to any second of the ' +
      'last 35 days with point-in-time recovery (on, with deletion protection when retained). Lost keys are ' +
      'reissued, never restored from a copy, so a separate AWS Backup plan adds nothing.',
  );
  return table;
}

export interface AuthorizerFunctionOptions extends VpcPlacementProps {
  readonly keyTable: dynamodb.ITable;
  readonly tiers: readonly string[];
  readonly reservedConcurrentExecutions: number;
  readonly key: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** The API key authorizer, on the platform's VPC-function recipe: it may read one item of the key table. */
export function authorizerFunction(scope: Construct, options: AuthorizerFunctionOptions): lambda.Function {
  const securityGroup = new ec2.SecurityGroup(scope, 'AuthorizerSecurityGroup', {
    vpc: options.vpc,
    description: 'API key authorizer: HTTPS to DynamoDB only',
    allowAllOutbound: false,
  });
  securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'DynamoDB over HTTPS');
  const fn = serviceFunction(scope, 'Authorizer', {
    handler: 'authorizer',
    description: 'Verifies LLM gateway API keys by SHA-256 against the key table',
    serviceName: 'llm-gateway-authorizer',
    roleDescription: `Runs the API key authorizer of ${scope.node.path}`,
    memorySize: 256,
    timeout: Duration.seconds(10),
    reservedConcurrentExecutions: options.reservedConcurrentExecutions,
    vpc: options.vpc,
    vpcSubnets: options.vpcSubnets ?? APPLICATION_SUBNETS,
    securityGroups: [securityGroup],
    environment: {
      [AUTHORIZER_ENV.keyTable]: options.keyTable.tableName,
      [AUTHORIZER_ENV.tiers]: options.tiers.join(','),
    },
    key: options.key,
    logRetention: options.logRetention,
    removalPolicy: options.removalPolicy,
  });
  // GetItem on the table, nothing else (the index and writes are for operators).
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ReadKeyHashes',
      actions: ['dynamodb:GetItem'],
      resources: [options.keyTable.tableArn],
    }),
  );
  options.keyTable.encryptionKey?.grantDecrypt(fn);
  return fn;
}
