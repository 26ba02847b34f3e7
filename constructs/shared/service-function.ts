import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { VpcFunctionRole } from './function-role';
import { FUNCTION_DLQ_RULES, SYNCHRONOUS_FUNCTION_DLQ_REASON, acknowledgeRules } from './nag-acknowledgments';
import { PLATFORM_FUNCTION_ENVIRONMENT, platformFunction, type PlatformHandler } from './platform-function';

export interface ServiceFunctionOptions {
  /** Handler folder below `lambda/`, e.g. `jobs-api`. */
  readonly handler: PlatformHandler;
  readonly description: string;
  /** POWERTOOLS_SERVICE_NAME: the service in its logs, metrics and traces. */
  readonly serviceName: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  /** @default - none reserved (for a function CloudFormation alone invokes, once per deployment) */
  readonly reservedConcurrentExecutions?: number;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
  readonly environment: Record<string, string>;
  /** Encrypts the function's log group (when the recipe makes it). */
  readonly key: kms.IKey;
  readonly logRetention?: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** @default - a new log group encrypted with `key` */
  readonly logGroup?: logs.ILogGroup;
  /** @default - a new {@link VpcFunctionRole} that writes only to the function's log group */
  readonly role?: iam.IRole;
  /** @default `Runs the ${serviceName} function of ${scope path}` */
  readonly roleDescription?: string;
  /** @default - none */
  readonly layers?: lambda.ILayerVersion[];
  /** Where failed asynchronous invocations go. @default - none: the function is invoked synchronously */
  readonly deadLetterQueue?: lambda.FunctionOptions['deadLetterQueue'];
}

/** The construct ids of what the recipe makes: the function, its role and its log group. */
export interface ServiceFunctionIds {
  readonly function: string;
  readonly role: string;
  readonly logs: string;
}

/**
 * The one recipe of every platform function in a VPC, built like the gateway: platform bundling,
 * private subnets only, its own encrypted log group, a role that writes only there (or the caller's),
 * JSON logs and active tracing, created once the role may attach it to the VPC. Construct ids are
 * `${id}Logs`, `${id}Role` and `${id}Function`, or the `ids` given.
 */
export function serviceFunction(
  scope: Construct,
  id: string | ServiceFunctionIds,
  options: ServiceFunctionOptions,
): lambda.Function {
  const ids = typeof id === 'string' ? { function: `${id}Function`, role: `${id}Role`, logs: `${id}Logs` } : id;
  const logGroup =
    options.logGroup ??
    new logs.LogGroup(scope, ids.logs, {
      encryptionKey: options.key,
      retention: options.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: options.removalPolicy,
    });
  const role =
    options.role ??
    new VpcFunctionRole(scope, ids.role, {
      logGroup,
      description: options.roleDescription ?? `Runs the ${options.serviceName} function of ${scope.node.path}`,
    });
  const fn = platformFunction(scope, ids.function, options.handler, {
    description: options.description,
    memorySize: options.memorySize,
    timeout: options.timeout,
    reservedConcurrentExecutions: options.reservedConcurrentExecutions,
    vpc: options.vpc,
    vpcSubnets: options.vpcSubnets,
    securityGroups: options.securityGroups,
    allowPublicSubnet: false,
    role,
    logGroup,
    layers: options.layers,
    deadLetterQueue: options.deadLetterQueue,
    loggingFormat: lambda.LoggingFormat.JSON,
    tracing: lambda.Tracing.ACTIVE,
    environment: {
      ...PLATFORM_FUNCTION_ENVIRONMENT,
      POWERTOOLS_SERVICE_NAME: options.serviceName,
      ...options.environment,
    },
  });
  // Lambda checks the network-interface permissions when it creates the function.
  if (role instanceof VpcFunctionRole) fn.node.addDependency(role.permissions);
  if (!options.deadLetterQueue) acknowledgeRules(fn, FUNCTION_DLQ_RULES, SYNCHRONOUS_FUNCTION_DLQ_REASON);
  return fn;
}
