import { Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { ConnectableStore, importStore } from '../shared/connectable-store';
import { customerManagedKey } from '../shared/customer-managed-key';
import { acknowledgeRules } from '../shared/nag-acknowledgments';
import { dataSubnetsOf } from '../shared/data-subnets';
import { PropsCheck } from '../shared/validation';
import { DEFAULT_CACHE_VERSION, checkResponseCacheProps } from './response-cache-checks';
import {
  DISABLED_DEFAULT_USER_ACCESS,
  gatewayAccessString,
  type ResponseCacheAttributes,
  type ResponseCacheProps,
} from './response-cache-props';
import type { IResponseCache, ResponseCacheMetricsIdentity } from './response-cache-interface';

/**
 * The gateway's Redis-compatible cache: an ElastiCache for Valkey (or Redis OSS) replication group
 * in isolated subnets. Encrypted at rest with a customer-managed key and in transit (TLS required);
 * clients authenticate as an RBAC user whose generated password lives in Secrets Manager, and the
 * `default` user is replaced by a disabled one. Its security group admits only the clients given to
 * `grantConnect`. One shard (cluster mode off): the gateway's Lua scripts touch several keys at once.
 */
export class ResponseCache extends ConnectableStore implements IResponseCache {
  /** A cache that exists already, for clients in this stack to connect to. */
  static fromResponseCacheAttributes(scope: Construct, id: string, attrs: ResponseCacheAttributes): IResponseCache {
    const login = {
      kind: 'ResponseCache',
      what: 'cache',
      protocol: 'Redis (TLS)',
      secret: attrs.gatewayPasswordSecret,
    };
    const { gatewayUsername, gatewayPasswordSecret } = attrs;
    return importStore(scope, id, attrs, login, { gatewayUsername, gatewayPasswordSecret });
  }

  readonly endpointAddress: string;
  readonly port: number;
  readonly gatewayUsername: string;
  readonly gatewayPasswordSecret: secretsmanager.ISecret;
  readonly connections: ec2.Connections;
  readonly securityGroup: ec2.SecurityGroup;
  readonly encryptionKey: kms.IKey;
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  /** ElastiCache id of the gateway's RBAC user (`aws elasticache modify-user --user-id`). */
  readonly gatewayUserId: string;
  /** Nodes in the replication group: the primary and its replicas. */
  readonly nodeCount: number;
  /** Where CloudWatch keeps the nodes' metrics: each member cluster of the replication group. */
  readonly metricsIdentity: ResponseCacheMetricsIdentity;
  protected readonly protocol = 'Redis (TLS)';
  protected get clientSecret(): secretsmanager.ISecret {
    return this.gatewayPasswordSecret;
  }

  constructor(scope: Construct, id: string, props: ResponseCacheProps) {
    super(scope, id);
    const engine = props.engine ?? 'valkey';
    const engineVersion = props.engineVersion ?? DEFAULT_CACHE_VERSION[engine];
    const highAvailability = props.highAvailability ?? true;
    const replicas = props.replicas ?? (highAvailability ? 1 : 0);
    const port = props.port ?? 6380;
    const snapshotRetentionDays = props.snapshotRetentionDays ?? 15;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.SNAPSHOT;
    const check = new PropsCheck('ResponseCache', this.node.path);
    checkResponseCacheProps(check, props, {
      engine,
      engineVersion,
      highAvailability,
      replicas,
      port,
      snapshotRetentionDays,
    });
    check.throwIfAny();

    const subnets = dataSubnetsOf(this, 'ResponseCache', props.vpc, props.vpcSubnets ?? props.subnets);
    check
      .expect(
        !highAvailability || subnets.availabilityZones.length >= 2,
        `highAvailability needs subnets in at least two availability zones; the selected subnets are in ` +
          `${subnets.availabilityZones.length}. Select subnets in more zones, or set highAvailability to false.`,
      )
      .throwIfAny();

    this.port = port;
    this.nodeCount = replicas + 1;
    this.gatewayUsername = props.gatewayUsername ?? 'llm-gateway';
    // Keys and secrets outlive the cache unless everything is thrown away: a snapshot needs its key.
    const keepRemovalPolicy = removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    this.encryptionKey =
      props.encryptionKey ??
      customerManagedKey(this, 'Key', {
        description: `Encrypts the response cache ${this.node.path}, its snapshots and its password`,
        removalPolicy: keepRemovalPolicy,
      });

    const password = new secretsmanager.Secret(this, 'GatewayPassword', {
      description: `Password of the RBAC user "${this.gatewayUsername}" of the response cache ${this.node.path}`,
      encryptionKey: this.encryptionKey,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: this.gatewayUsername }),
        generateStringKey: 'password',
        // ElastiCache takes 16-128 printable characters without spaces, quotes, '/' or '@'.
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy: keepRemovalPolicy,
    });
    this.gatewayPasswordSecret = password;
    acknowledgeRules(
      password,
      ['AwsSolutions-SMG4', 'NIST.800.53.R5-SecretsManagerRotationEnabled'],
      "The cache user's password is generated by Secrets Manager (64 characters), KMS-encrypted, readable only " +
        "by clients granted with grantConnect, and only usable from inside the cache's security group over TLS. " +
        'ElastiCache RBAC passwords have no Secrets Manager-hosted rotation function; rotate by updating the ' +
        'secret and the user together (README, "ResponseCache").',
    );

    // ElastiCache user and group ids are unique per account and region: derive them from the path.
    const idBase = elastiCacheId(this);
    this.gatewayUserId = `${idBase}-gw`;
    const gatewayUser = new elasticache.CfnUser(this, 'GatewayUser', {
      engine: 'redis',
      userId: this.gatewayUserId,
      userName: this.gatewayUsername,
      accessString: gatewayAccessString(props.keyPrefix),
      authenticationMode: {
        Type: 'password',
        Passwords: [password.secretValueFromJson('password').unsafeUnwrap()],
      },
    });
    // A user group must hold a user named `default`; this one cannot authenticate or run anything.
    const defaultUser = new elasticache.CfnUser(this, 'DisabledDefaultUser', {
      engine: 'redis',
      userId: `${idBase}-off`,
      userName: 'default',
      accessString: DISABLED_DEFAULT_USER_ACCESS,
      noPasswordRequired: true,
    });
    const userGroup = new elasticache.CfnUserGroup(this, 'Users', {
      engine: 'redis',
      userGroupId: `${idBase}-users`,
      userIds: [gatewayUser.userId, defaultUser.userId],
    });
    userGroup.node.addDependency(gatewayUser);
    userGroup.node.addDependency(defaultUser);

    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'Subnets', {
      description: `Isolated subnets of the response cache ${this.node.path}`,
      subnetIds: subnets.subnetIds,
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `Response cache ${this.node.path}: TLS on ${port} from granted clients only`,
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({
      securityGroups: [this.securityGroup],
      defaultPort: ec2.Port.tcp(port),
    });

    const zones = subnets.availabilityZones.filter((az) => !Token.isUnresolved(az));
    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'Resource', {
      replicationGroupDescription: `LLM gateway response cache (${this.node.path})`,
      engine,
      engineVersion,
      cacheNodeType: props.nodeType ?? 'cache.t4g.small',
      numCacheClusters: this.nodeCount,
      // Spread the primary and its replicas over the zones, when they are known.
      preferredCacheClusterAZs:
        zones.length === subnets.availabilityZones.length && zones.length > 0
          ? Array.from({ length: this.nodeCount }, (_, i) => zones[i % zones.length])
          : undefined,
      automaticFailoverEnabled: highAvailability,
      multiAzEnabled: highAvailability,
      port,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      atRestEncryptionEnabled: true,
      kmsKeyId: this.encryptionKey.keyArn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      userGroupIds: [userGroup.userGroupId],
      autoMinorVersionUpgrade: true,
      snapshotRetentionLimit: snapshotRetentionDays,
      snapshotWindow: props.snapshotWindow ?? '03:00-04:00',
      preferredMaintenanceWindow: props.maintenanceWindow ?? 'sun:05:00-sun:06:00',
    });
    // ElastiCache names a replication group's member clusters <group id>-001, -002, ...
    this.metricsIdentity = {
      serverless: false,
      clusterIds: Array.from(
        { length: this.nodeCount },
        (_, i) => `${this.replicationGroup.ref}-${String(i + 1).padStart(3, '0')}`,
      ),
    };
    acknowledgeRules(
      this.replicationGroup,
      ['AwsSolutions-AEC6'],
      'The rule only recognises a shared AUTH token. The cache uses RBAC instead (userGroupIds): the gateway ' +
        'authenticates as its own user with a generated password and an ACL limited to its key prefix, and the ' +
        '"default" user is replaced by a disabled one, so no client runs a command unauthenticated.',
    );
    this.replicationGroup.node.addDependency(userGroup);
    this.replicationGroup.applyRemovalPolicy(removalPolicy);
    this.endpointAddress = this.replicationGroup.attrPrimaryEndPointAddress;
  }

  /** The ids of the nodes' cache clusters, `<group>-001` for the first: metrics are per node. */
  private nodeClusterIds(): string[] {
    return Array.from({ length: this.nodeCount }, (_, i) =>
      Fn.join('-', [this.replicationGroup.ref, String(i + 1).padStart(3, '0')]),
    );
  }

  private perNode(metricName: string, statistic: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric[] {
    return this.nodeClusterIds().map(
      (clusterId) =>
        new cloudwatch.Metric({
          namespace: 'AWS/ElastiCache',
          metricName,
          dimensionsMap: { CacheClusterId: clusterId },
          statistic,
          period: Duration.minutes(1),
          ...props,
        }),
    );
  }

  private across(
    label: string,
    fn: 'MAX' | 'SUM',
    metricName: string,
    statistic: string,
    props?: cloudwatch.MathExpressionOptions & cloudwatch.MetricOptions,
  ): cloudwatch.MathExpression {
    const metrics = this.perNode(metricName, statistic, props);
    const usingMetrics = Object.fromEntries(metrics.map((metric, i) => [`n${i}`, metric]));
    const ids = Object.keys(usingMetrics);
    return new cloudwatch.MathExpression({
      expression: ids.length === 1 ? ids[0] : `${fn}([${ids.join(',')}])`,
      usingMetrics,
      label,
      period: props?.period ?? Duration.minutes(1),
    });
  }

  /**
   * A metric of one node, by ElastiCache metric name (`node` 0 is the first primary; after a
   * failover the primary may be another node).
   */
  metric(metricName: string, node = 0, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    new PropsCheck('ResponseCache', this.node.path)
      .expect(
        Number.isInteger(node) && node >= 0 && node < this.nodeCount,
        `node is ${node}; this cache has nodes 0 to ${this.nodeCount - 1}`,
      )
      .throwIfAny();
    return this.perNode(metricName, props?.statistic ?? 'Average', props)[node];
  }

  /** Percentage of lookups that found their key, over every node (hits / (hits + misses)). */
  metricHitRate(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    const period = props?.period ?? Duration.minutes(5);
    const hits = this.perNode('CacheHits', 'Sum', { ...props, period });
    const misses = this.perNode('CacheMisses', 'Sum', { ...props, period });
    const usingMetrics: Record<string, cloudwatch.IMetric> = {};
    hits.forEach((metric, i) => (usingMetrics[`h${i}`] = metric));
    misses.forEach((metric, i) => (usingMetrics[`m${i}`] = metric));
    const sum = (prefix: string) => hits.map((_, i) => `FILL(${prefix}${i}, 0)`).join(' + ');
    return new cloudwatch.MathExpression({
      expression: `100 * (${sum('h')}) / ((${sum('h')}) + (${sum('m')}))`,
      usingMetrics,
      label: 'Cache hit rate (%)',
      period,
    });
  }

  /** Engine (Redis thread) CPU, the highest of the nodes: the figure that saturates first. */
  metricCpuUtilization(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return this.across('Engine CPU (%), busiest node', 'MAX', 'EngineCPUUtilization', 'Average', props);
  }

  /** Share of the node's memory for data in use, the highest of the nodes. */
  metricMemoryUsage(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return this.across('Memory used (%), fullest node', 'MAX', 'DatabaseMemoryUsagePercentage', 'Average', props);
  }

  /** Keys evicted for lack of memory, the most of the nodes: above zero means the cache is too small. */
  metricEvictions(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return this.across('Evictions', 'MAX', 'Evictions', 'Sum', props);
  }

  /** Client connections, summed over the nodes. */
  metricCurrentConnections(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return this.across('Client connections', 'SUM', 'CurrConnections', 'Maximum', props);
  }

  /** Failed AUTH attempts, summed over the nodes: a client with the wrong password, or a probe. */
  metricAuthenticationFailures(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return this.across('Authentication failures', 'SUM', 'AuthenticationFailures', 'Sum', props);
  }
}

/**
 * An id for ElastiCache users and user groups, which must be unique per account and region:
 * the stack's name and a hash of the construct's path (`dev-platform-cache-1a2b3c4d`), in
 * lower-case letters, digits and single hyphens, starting with a letter, short enough for suffixes.
 */
function elastiCacheId(scope: Construct): string {
  const stack = Stack.of(scope).stackName;
  const name = Token.isUnresolved(stack)
    ? 'cache'
    : stack
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-') // runs become one hyphen, so at most one can end the name
        .replace(/^[^a-z]+/, '')
        .slice(0, 18)
        .replace(/-$/, '');
  const hash = createHash('sha256').update(scope.node.path).digest('hex').slice(0, 8);
  return `${name || 'cache'}-cache-${hash}`;
}
