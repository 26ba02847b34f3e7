import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { VECTOR_DATABASE_SETTINGS } from '../../lambda/contract/vector-schema/database-settings';
import { vectorSchemaMigrations, type VectorSchemaOptions } from '../../lambda/contract/vector-schema/migrations';
import type { SchemaStepProperties } from '../../lambda/contract/vector-schema/step-properties';
import { VpcFunctionRole } from '../shared/function-role';
import { grantSecretRead } from '../shared/grant-secret-read';
import { RDS_CA_ENVIRONMENT } from '../shared/platform-function';
import { serviceFunction } from '../shared/service-function';
import { acknowledgeSchemaStep } from './acknowledgments';

/** What the schema step of a store needs from it. */
export interface SchemaStepTarget {
  readonly scope: Construct;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly connections: ec2.Connections;
  readonly key: kms.IKey;
  readonly logRetention?: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly masterSecret: secretsmanager.ISecret;
  readonly secret: secretsmanager.ISecret;
  readonly cluster: rds.DatabaseCluster;
}

/** The function that applies the platform's vector schema, on the platform's VPC-function recipe. */
export function schemaFunction(target: SchemaStepTarget): lambda.Function {
  const { scope } = target;
  const securityGroup = new ec2.SecurityGroup(scope, 'SchemaFunctionSecurityGroup', {
    vpc: target.vpc,
    description: `Schema step of ${scope.node.path}: to the database and to AWS APIs over HTTPS`,
    allowAllOutbound: false,
  });
  securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs (Secrets Manager) over HTTPS');
  target.connections.allowDefaultPortFrom(securityGroup, 'Schema step');
  const fn = serviceFunction(
    scope,
    { function: 'SchemaFunction', role: 'SchemaFunctionRole', logs: 'SchemaFunctionLog' },
    {
      handler: 'vector-schema',
      description: `Applies the platform's vector schema to ${scope.node.path} on every deploy`,
      serviceName: 'llm-platform-vector-schema',
      roleDescription: `Runs the schema step of ${scope.node.path}`,
      memorySize: 256,
      timeout: Duration.minutes(5),
      vpc: target.vpc,
      vpcSubnets: target.subnets,
      securityGroups: [securityGroup],
      environment: { ...RDS_CA_ENVIRONMENT },
      key: target.key,
      logRetention: target.logRetention,
      removalPolicy: target.removalPolicy,
    },
  );
  // GetSecretValue only: the step reads the two logins, it never describes them.
  grantSecretRead(target.masterSecret, fn);
  grantSecretRead(target.secret, fn);
  return fn;
}

/**
 * The custom resource that runs `fn` on every deploy (through the CDK's provider framework, beside
 * the function in the VPC), after the cluster's instances are up.
 */
export function schemaStep(
  target: SchemaStepTarget,
  fn: lambda.Function,
  properties: SchemaStepProperties,
): CustomResource {
  const { scope } = target;
  const logGroup = new logs.LogGroup(scope, 'SchemaProviderLog', {
    encryptionKey: target.key,
    retention: logs.RetentionDays.ONE_YEAR,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const frameworkRole = new VpcFunctionRole(scope, 'SchemaProviderRole', {
    logGroup,
    description: `Runs the custom-resource framework of the schema step of ${scope.node.path}`,
  });
  const provider = new cr.Provider(scope, 'SchemaProvider', {
    onEventHandler: fn,
    // Beside the step's function: it calls only Lambda (to invoke it) and S3 (to answer CloudFormation).
    vpc: target.vpc,
    vpcSubnets: target.subnets,
    securityGroups: fn.connections.securityGroups,
    logGroup,
    frameworkOnEventRole: frameworkRole,
  });
  provider.node.findChild('framework-onEvent').node.addDependency(frameworkRole.permissions);
  acknowledgeSchemaStep(fn, provider, frameworkRole);
  const schema = new CustomResource(scope, 'Schema', {
    serviceToken: provider.serviceToken,
    resourceType: 'Custom::VectorSchema',
    properties,
  });
  // After the instances are up (the endpoint alone is there before them); not after the whole
  // cluster construct, which also holds the rotations that must wait for this step.
  for (const child of target.cluster.node.findAll()) {
    if (child instanceof rds.CfnDBInstance) schema.node.addDependency(child);
  }
  return schema;
}

/**
 * Changes whenever what the step applies changes (the migrations, the settings, the step's code),
 * so that CloudFormation runs it again; the step itself skips what is already done.
 */
export function schemaFingerprint(fn: lambda.Function, schema: VectorSchemaOptions): string {
  const code = Stack.of(fn).resolve((fn.node.defaultChild as lambda.CfnFunction).code) as { S3Key?: unknown };
  return createHash('sha256')
    .update(JSON.stringify([vectorSchemaMigrations(schema), VECTOR_DATABASE_SETTINGS, code.S3Key ?? '']))
    .digest('hex');
}
