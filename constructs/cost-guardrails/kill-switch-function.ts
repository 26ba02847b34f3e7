import { Duration, type RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { KillScope } from '../../lambda/contract/kill-switch';
import { GATEWAY_ENV, KILL_SWITCH_ENV } from '../../lambda/contract/environment';
import { NotificationTopic } from '../platform-observability/notification-topic';
import type { IResponseCache } from '../response-cache/response-cache-interface';
import { acknowledgeDeadLetterQueue } from '../shared/control-tower';
import { VpcFunctionRole } from '../shared/function-role';
import { logEncryptionKey } from '../shared/log-encryption';
import { PLATFORM_FUNCTION_ENVIRONMENT, platformFunction } from '../shared/platform-function';

/** Where the kill flags live, and how the function that flips them is placed. */
export interface KillSwitchOptions {
  /** The gateway's cache: where the kill flags live. */
  readonly cache: IResponseCache;
  /** The VPC the cache is reachable from. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the function.
   * @default private subnets with egress (Secrets Manager and CloudWatch are reached through the VPC's endpoints)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * The gateway's Redis key prefix.
   * @default 'llmgw:'
   */
  readonly keyPrefix?: string;
  /**
   * How long the function's logs are kept.
   * @default one year
   */
  readonly logRetention?: logs.RetentionDays;
}

export interface KillSwitchFunctionProps extends KillSwitchOptions {
  /** Namespace of the function's own metrics (its cold starts). */
  readonly metricsNamespace: string;
  /** Alarm name to the scope its ALARM switches off; alarms not listed switch everything off. */
  readonly alarmScopes: Readonly<Record<string, KillScope>>;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The function that flips the gateway's kill switch: subscribed to `topic` (hard spend alarms send
 * there) and invoked by operators by hand. It runs in the VPC next to the cache, connects with the
 * gateway's RBAC user over TLS, and keeps what it could not process in encrypted dead-letter queues.
 */
export class KillSwitchFunction extends Construct {
  readonly function: lambda.Function;
  /** Alarms whose ALARM should stop calls notify this topic. */
  readonly topic: sns.ITopic;
  /** Invocations the function failed on, kept 14 days: watch it (PlatformObservability.addDeadLetterQueue). */
  readonly deadLetterQueue: sqs.IQueue;
  /** Alarm notifications SNS could not deliver to the function: watch it too. */
  readonly notificationDeadLetterQueue: sqs.IQueue;

  constructor(scope: Construct, id: string, props: KillSwitchFunctionProps) {
    super(scope, id);
    // One key for the function's logs, its topic and its dead letters.
    const key = logEncryptionKey(
      this,
      'Key',
      `Encrypts the kill-switch function's logs, topic and dead letters (${this.node.path})`,
      props.removalPolicy,
    );
    const topic = new NotificationTopic(this, 'Topic', { displayName: 'LLM platform kill switch', encryptionKey: key });
    this.topic = topic.topic;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeDeadLetterQueue(
      this.deadLetterQueue,
      "Lambda puts the kill-switch function's failed asynchronous invocations here (its dead-letter config)",
      'lambda',
    );
    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: key,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicy,
    });
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Kill-switch function: the cache, and AWS APIs through the VPC endpoints',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(
      ec2.Peer.ipv4(props.vpc.vpcCidrBlock),
      ec2.Port.tcp(443),
      'AWS APIs (Secrets Manager, X-Ray) through the VPC interface endpoints',
    );
    const role = new VpcFunctionRole(this, 'Role', {
      logGroup,
      description: `Runs the kill-switch function of ${this.node.path}`,
    });
    const cache = props.cache;
    this.function = platformFunction(this, 'Function', 'kill-switch', {
      description: 'Flips the LLM gateway kill switch (Redis flags) for alarms and operators',
      memorySize: 256,
      timeout: Duration.seconds(30),
      reservedConcurrentExecutions: 5,
      tracing: lambda.Tracing.ACTIVE,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      allowPublicSubnet: false,
      role,
      deadLetterQueue: this.deadLetterQueue,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        ...PLATFORM_FUNCTION_ENVIRONMENT,
        [GATEWAY_ENV.redisHost]: cache.endpointAddress,
        [GATEWAY_ENV.redisPort]: Token.isUnresolved(cache.port) ? Token.asString(cache.port) : String(cache.port),
        [GATEWAY_ENV.redisTls]: 'true',
        [GATEWAY_ENV.redisUsername]: cache.gatewayUsername,
        [GATEWAY_ENV.redisPasswordSecretArn]: cache.gatewayPasswordSecret.secretArn,
        [KILL_SWITCH_ENV.keyPrefix]: props.keyPrefix ?? 'llmgw:',
        [KILL_SWITCH_ENV.alarmScopes]: Stack.of(this).toJsonString(props.alarmScopes),
        POWERTOOLS_SERVICE_NAME: 'llm-kill-switch',
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
      },
    });
    // Lambda checks the network-interface permissions when it creates the function.
    this.function.node.addDependency(role.permissions);
    cache.grantConnect(this.function);
    // Lambda writes failed invocations to the queue (sqs:SendMessage, added by Function) with its key.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }),
    );
    topic.subscribeFunction(this.function);
    this.notificationDeadLetterQueue = topic.deadLetterQueue!;
  }
}
