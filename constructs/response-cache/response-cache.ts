import { Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { customerManagedKey } from '../shared/customer-managed-key';
import { acknowledgeRules } from '../shared/nag-acknowledgments';
import { dataSubnetsOf } from '../shared/data-subnets';
import { grantSecretRead } from '../shared/grant-secret-read';
import type { ICacheClient, IResponseCache, ResponseCacheMetricsIdentity } from './response-cache-interface';

/** Redis-compatible engines ElastiCache runs. Valkey is the open-source fork, and cheaper. */
export type CacheEngine = 'valkey' | 'redis';

/** The first versions with RBAC users (Redis OSS 6) or with Valkey's own RBAC engine (7.2). */
const MINIMUM_VERSION: Record<CacheEngine, [number, number]> = { valkey: [7, 2], redis: [6, 0] };
const DEFAULT_VERSION: Record<CacheEngine, string> = { valkey: '8.2', redis: '7.1' };

/** The key prefix the gateway's stores use (see lambda/core/policy/*: `llmgw:`). */
export const GATEWAY_KEY_PREFIX = 'llmgw:';

/**
 * The ACL the gateway user gets: its own keys only, the data commands its stores use (strings,
 * hashes, counters, Lua scripts, expiry), the server clock its scripts read (TIME) and INFO for the
 * client's ready check; none of the administrative or dangerous ones (FLUSHALL, KEYS, CONFIG,
 * MONITOR...), and no SCAN (other tenants' key names). Checked against a real server in
 * test/constructs/response-cache-acl.test.ts by running the gateway's stores as this user.
 */
export function gatewayAccessString(keyPrefix: string = GATEWAY_KEY_PREFIX): string {
  return `on ~${keyPrefix}* resetchannels -@all +@read +@write +@scripting +@connection -@dangerous +time +info -scan`;
}

/** The access string of the replacement `default` user: disabled, no keys, no commands. */
export const DISABLED_DEFAULT_USER_ACCESS = 'off resetkeys resetchannels -@all';

export interface ResponseCacheProps {
  /** The VPC to run in (for the platform's, `Network.vpc`). */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets for the cache nodes. They must not be public.
   * @default - the VPC's isolated subnets (`Network.dataSubnets`)
   */
  readonly subnets?: ec2.SubnetSelection;
  /**
   * @default 'valkey'
   */
  readonly engine?: CacheEngine;
  /**
   * Engine version: Valkey 7.2 or later, or Redis OSS 6.0 or later (RBAC users need them).
   * @default '8.2' for Valkey, '7.1' for Redis OSS
   */
  readonly engineVersion?: string;
  /**
   * Node type, for example `cache.t4g.small` or `cache.r7g.large`.
   * @default 'cache.t4g.small'
   */
  readonly nodeType?: string;
  /**
   * Highly available: Multi-AZ with automatic failover to a replica in another zone. Needs at least
   * one replica, and subnets in at least two zones.
   * @default true
   */
  readonly highAvailability?: boolean;
  /**
   * Read replicas besides the primary (0 to 5).
   * @default 1 when highly available, else 0
   */
  readonly replicas?: number;
  /**
   * TCP port. Not 6379, so that scans for the default port do not find it.
   * @default 6380
   */
  readonly port?: number;
  /**
   * Key that encrypts the data at rest, its snapshots and the gateway user's password secret.
   * @default - a new customer-managed key with rotation enabled
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Days of daily snapshots kept (1 to 35).
   * @default 15
   */
  readonly snapshotRetentionDays?: number;
  /**
   * Daily snapshot window (UTC), `hh:mm-hh:mm`, at least 60 minutes, not overlapping maintenance.
   * @default '03:00-04:00'
   */
  readonly snapshotWindow?: string;
  /**
   * Weekly maintenance window (UTC), `ddd:hh:mm-ddd:hh:mm`.
   * @default 'sun:05:00-sun:06:00'
   */
  readonly maintenanceWindow?: string;
  /**
   * RBAC user name the gateway connects as.
   * @default 'llm-gateway'
   */
  readonly gatewayUsername?: string;
  /**
   * The key prefix the gateway user is limited to.
   * @default 'llmgw:' (what the gateway uses)
   */
  readonly keyPrefix?: string;
  /**
   * What happens to the cache when the stack is deleted: SNAPSHOT keeps a final snapshot.
   * The key and the password secret are retained unless this is DESTROY.
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;
}

export interface ResponseCacheAttributes {
  /** Host name of the primary endpoint. */
  readonly endpointAddress: string;
  readonly port: number;
  /** The cache's security groups; `grantConnect` adds ingress rules to them. */
  readonly securityGroups: ec2.ISecurityGroup[];
  /** RBAC user the gateway connects as. */
  readonly gatewayUsername: string;
  /** Secret with that user's password, as JSON `{ "username": ..., "password": ... }`. */
  readonly gatewayPasswordSecret: secretsmanager.ISecret;
}

function fail(path: string, message: string): never {
  throw new Error(`ResponseCache ${path}: ${message}`);
}

abstract class ResponseCacheBase extends Construct implements IResponseCache {
  abstract readonly endpointAddress: string;
  abstract readonly port: number;
  abstract readonly gatewayUsername: string;
  abstract readonly gatewayPasswordSecret: secretsmanager.ISecret;
  abstract readonly connections: ec2.Connections;

  grantConnect(client: ICacheClient): void {
    this.connections.allowDefaultPortFrom(client, `Redis (TLS) from ${client.toString()}`);
    grantSecretRead(this.gatewayPasswordSecret, client);
  }
}

/**
 * The gateway's Redis-compatible cache: an ElastiCache for Valkey (or Redis OSS) replication group
 * in isolated subnets. Encrypted at rest with a customer-managed key and in transit (TLS required);
 * clients authenticate as an RBAC user whose generated password lives in Secrets Manager, and the
 * `default` user is replaced by a disabled one. Its security group admits only the clients given to
 * `grantConnect`. One shard (cluster mode off): the gateway's Lua scripts touch several keys at once.
 */
export class ResponseCache extends ResponseCacheBase {
  /** A cache that exists already, for clients in this stack to connect to. */
  static fromResponseCacheAttributes(scope: Construct, id: string, attrs: ResponseCacheAttributes): IResponseCache {
    if (attrs.securityGroups.length === 0) {
      fail(
        `${scope.node.path}/${id}`,
        'give the cache’s security groups, so that grantConnect can open its port to clients',
      );
    }
    class Imported extends ResponseCacheBase {
      readonly endpointAddress = attrs.endpointAddress;
      readonly port = attrs.port;
      readonly gatewayUsername = attrs.gatewayUsername;
      readonly gatewayPasswordSecret = attrs.gatewayPasswordSecret;
      readonly connections = new ec2.Connections({
        securityGroups: attrs.securityGroups,
        defaultPort: ec2.Port.tcp(attrs.port),
      });
    }
    return new Imported(scope, id);
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

  constructor(scope: Construct, id: string, props: ResponseCacheProps) {
    super(scope, id);
    const engine = props.engine ?? 'valkey';
    const engineVersion = props.engineVersion ?? DEFAULT_VERSION[engine];
    const highAvailability = props.highAvailability ?? true;
    const replicas = props.replicas ?? (highAvailability ? 1 : 0);
    const port = props.port ?? 6380;
    const snapshotRetentionDays = props.snapshotRetentionDays ?? 15;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.SNAPSHOT;
    this.validate(props, { engine, engineVersion, highAvailability, replicas, port, snapshotRetentionDays });

    const subnets = dataSubnetsOf(this, 'ResponseCache', props.vpc, props.subnets);
    if (highAvailability && subnets.availabilityZones.length < 2) {
      fail(
        this.node.path,
        `highAvailability needs subnets in at least two availability zones; the selected subnets are in ` +
          `${subnets.availabilityZones.length}. Select subnets in more zones, or set highAvailability to false.`,
      );
    }

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

  private validate(
    props: ResponseCacheProps,
    resolved: {
      engine: CacheEngine;
      engineVersion: string;
      highAvailability: boolean;
      replicas: number;
      port: number;
      snapshotRetentionDays: number;
    },
  ): void {
    const { engine, engineVersion, highAvailability, replicas, port, snapshotRetentionDays } = resolved;
    if (engine !== 'valkey' && engine !== 'redis') {
      fail(this.node.path, `engine is "${String(engine)}"; use "valkey" or "redis"`);
    }
    const version = /^(\d+)\.(\d+)$/.exec(engineVersion);
    const [minMajor, minMinor] = MINIMUM_VERSION[engine];
    if (
      !version ||
      Number(version[1]) < minMajor ||
      (Number(version[1]) === minMajor && Number(version[2]) < minMinor)
    ) {
      fail(
        this.node.path,
        `engineVersion is "${engineVersion}"; ${engine} needs a major.minor version of at least ${minMajor}.${minMinor} ` +
          `for RBAC users (for example "${DEFAULT_VERSION[engine]}")`,
      );
    }
    if (!Number.isInteger(replicas) || replicas < 0 || replicas > 5) {
      fail(this.node.path, `replicas is ${replicas}; give a whole number from 0 to 5`);
    }
    if (highAvailability && replicas < 1) {
      fail(
        this.node.path,
        'highAvailability needs at least one replica to fail over to; set replicas to 1 or more, or highAvailability to false',
      );
    }
    if (!Number.isInteger(port) || port < 1024 || port > 65535 || port === 6379) {
      fail(
        this.node.path,
        `port is ${port}; give a port from 1024 to 65535 other than Redis's default 6379 (for example 6380)`,
      );
    }
    if (!Number.isInteger(snapshotRetentionDays) || snapshotRetentionDays < 1 || snapshotRetentionDays > 35) {
      fail(
        this.node.path,
        `snapshotRetentionDays is ${snapshotRetentionDays}; keep snapshots for 1 to 35 days (ElastiCache's range)`,
      );
    }
    if (props.nodeType !== undefined && !/^cache\.[a-z0-9]+\.[a-z0-9]+$/.test(props.nodeType)) {
      fail(this.node.path, `nodeType is "${props.nodeType}"; give an ElastiCache node type such as "cache.t4g.small"`);
    }
    if (props.gatewayUsername !== undefined && !/^[A-Za-z][A-Za-z0-9-]{0,39}$/.test(props.gatewayUsername)) {
      fail(
        this.node.path,
        `gatewayUsername is "${props.gatewayUsername}"; use up to 40 letters, digits and hyphens, starting with a letter`,
      );
    }
    if (props.gatewayUsername === 'default') {
      fail(this.node.path, 'gatewayUsername cannot be "default": that user is disabled; pick another name');
    }
    if (props.keyPrefix !== undefined && !/^[A-Za-z0-9:_.-]{1,64}$/.test(props.keyPrefix)) {
      fail(
        this.node.path,
        `keyPrefix is "${props.keyPrefix}"; use letters, digits and :_.- (the gateway's is "${GATEWAY_KEY_PREFIX}")`,
      );
    }
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
    if (!Number.isInteger(node) || node < 0 || node >= this.nodeCount) {
      fail(this.node.path, `node is ${node}; this cache has nodes 0 to ${this.nodeCount - 1}`);
    }
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
