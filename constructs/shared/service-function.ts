import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
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
  readonly reservedConcurrentExecutions: number;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
  readonly environment: Record<string, string>;
  /** Encrypts the function's log group. */
  readonly key: kms.IKey;
  readonly logRetention?: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A function of a service beside the gateway (the jobs API and worker, the embedding API and
 * worker), built like the gateway: platform bundling, private subnets only, its own encrypted log
 * group, a role that writes only there, JSON logs and active tracing. Construct ids are `${id}Logs`,
 * `${id}Role` and `${id}Function`.
 */
export function serviceFunction(scope: Construct, id: string, options: ServiceFunctionOptions): lambda.Function {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    encryptionKey: options.key,
    retention: options.logRetention ?? logs.RetentionDays.ONE_YEAR,
    removalPolicy: options.removalPolicy,
  });
  const role = new VpcFunctionRole(scope, `${id}Role`, {
    logGroup,
    description: `Runs the ${options.serviceName} function of ${scope.node.path}`,
  });
  const fn = platformFunction(scope, `${id}Function`, options.handler, {
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
    loggingFormat: lambda.LoggingFormat.JSON,
    tracing: lambda.Tracing.ACTIVE,
    environment: {
      ...PLATFORM_FUNCTION_ENVIRONMENT,
      POWERTOOLS_SERVICE_NAME: options.serviceName,
      ...options.environment,
    },
  });
  // Lambda checks the network-interface permissions when it creates the function.
  fn.node.addDependency(role.permissions);
  acknowledgeRules(fn, FUNCTION_DLQ_RULES, SYNCHRONOUS_FUNCTION_DLQ_REASON);
  return fn;
}
