import { CustomResource, Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { VECTOR_DATABASE_SETTINGS } from '../../lambda/contract/vector-schema/database-settings';
import { vectorSchemaMigrations, type VectorSchemaOptions } from '../../lambda/contract/vector-schema/migrations';
import { chunkIndexType } from '../../lambda/contract/vector-schema/embedding-migrations';
import type { SchemaStepProperties } from '../../lambda/contract/vector-schema/step-properties';
import { dataSubnetsOf } from '../shared/data-subnets';
import { grantSecretRead } from '../shared/grant-secret-read';
import { logEncryptionKey } from '../shared/log-encryption';
import { acknowledgeRules, managedPolicyFinding } from '../shared/nag-acknowledgments';
import { acknowledgeSchemaStep } from './acknowledgments';
import { VpcFunctionRole } from '../shared/function-role';
import { RDS_CA_ENVIRONMENT, platformFunction } from '../shared/platform-function';
import type { IDatabaseClient, IVectorStore } from './vector-store-interface';

/**
 * The first Aurora PostgreSQL minor version of each major that ships pgvector 0.8 (iterative index
 * scans, the filtered-search fix the semantic cache relies on). Every one of them can also scale
 * Serverless v2 to 0 ACUs.
 */
export const MINIMUM_PGVECTOR_08_VERSIONS: Readonly<Record<string, string>> = {
  '13': '13.20',
  '14': '14.17',
  '15': '15.12',
  '16': '16.8',
  '17': '17.4',
};

/** Characters generated database passwords leave out (those RDS or a connection string dislike). */
const PASSWORD_EXCLUDE_CHARACTERS = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\';

/** The engine version new vector stores get. */
export const DEFAULT_VECTOR_STORE_ENGINE = rds.AuroraPostgresEngineVersion.VER_17_7;

export interface VectorStoreProps {
  /** The VPC to run in (for the platform's, `Network.vpc`). */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets for the database instances. They must not be public.
   * @default - the VPC's isolated subnets (`Network.dataSubnets`)
   */
  readonly subnets?: ec2.SubnetSelection;
  /**
   * Subnets for the functions that set up the schema and rotate the credentials. They must reach
   * the database and Secrets Manager (an interface endpoint or NAT).
   * @default - the VPC's private subnets with egress (`Network.applicationSubnets`)
   */
  readonly functionSubnets?: ec2.SubnetSelection;
  /**
   * Aurora PostgreSQL version: one whose pgvector is 0.8 or later (13.20, 14.17, 15.12, 16.8, 17.4 and up).
   * @default DEFAULT_VECTOR_STORE_ENGINE (17.7)
   */
  readonly engineVersion?: rds.AuroraPostgresEngineVersion;
  /**
   * Highly available: a reader in another zone to fail over to, deletion protection, and the
   * cluster retained when the stack is deleted.
   * @default true
   */
  readonly highAvailability?: boolean;
  /**
   * Fewest Aurora capacity units (ACUs) to scale down to, 0 to 256. At 0 the cluster pauses after
   * `autoPause` without connections and resumes on the next one (about 15 seconds: the gateway's
   * semantic-cache lookups miss meanwhile, they do not fail).
   * @default 0.5 when highly available, else 0
   */
  readonly minCapacity?: number;
  /**
   * Most ACUs to scale up to, 1 to 256, at least `minCapacity`.
   * @default 4
   */
  readonly maxCapacity?: number;
  /**
   * How long without connections before a cluster with `minCapacity` 0 pauses (5 minutes to 1 day).
   * @default Duration.minutes(10)
   */
  readonly autoPause?: Duration;
  /**
   * Database holding the platform's schema.
   * @default 'llm_platform'
   */
  readonly databaseName?: string;
  /**
   * TCP port. Not 5432, so that scans for the default port do not find it.
   * @default 5433
   */
  readonly port?: number;
  /**
   * Vector size of the semantic cache's embedding model (its table's HNSW-indexed column; at most
   * 2,000). It must match the gateway's `semanticCache.embeddingModel` (the built-in offline
   * embedder has 256). Changing it empties the semantic cache: its table is made again.
   * @default 256
   */
  readonly dimensions?: number;
  /**
   * Vector sizes of every embedding model collections may use: each gets an HNSW index (`halfvec`
   * above 2,000 dimensions, up to 4,000). A collection of a size not listed is searched without one.
   * @default [dimensions]
   */
  readonly embeddingDimensions?: readonly number[];
  /**
   * Key that encrypts the storage, snapshots, credentials, Performance Insights and the logs.
   * @default - a new customer-managed key with rotation enabled
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * How long automated backups are kept (1 to 35 days).
   * @default Duration.days(35) when highly available, else Duration.days(7)
   */
  readonly backupRetention?: Duration;
  /**
   * How often the credentials are rotated (4 hours to 1000 days): the master user's in place, the
   * application's by alternating users, so the gateway's cached login stays valid until the next one.
   * @default Duration.days(30)
   */
  readonly credentialRotation?: Duration;
  /**
   * The role the gateway connects as (it reads and writes the platform's tables, nothing else).
   * @default 'llm_app'
   */
  readonly applicationRole?: string;
  /**
   * How long the exported PostgreSQL logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Protects the cluster from being deleted.
   * @default - true when highly available
   */
  readonly deletionProtection?: boolean;
  /**
   * What happens to the cluster when the stack is deleted. The key and the logs are kept unless
   * this is DESTROY.
   * @default RemovalPolicy.RETAIN when highly available, else RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;
}

export interface VectorStoreAttributes {
  /** Host name of the writer endpoint. */
  readonly endpointAddress: string;
  readonly port: number;
  readonly databaseName: string;
  /** The database's security groups; `grantConnect` adds ingress rules to them. */
  readonly securityGroups: ec2.ISecurityGroup[];
  /** Secret with the application user's credentials (JSON with `username` and `password`). */
  readonly secret: secretsmanager.ISecret;
}

function fail(path: string, message: string): never {
  throw new Error(`VectorStore ${path}: ${message}`);
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  return x[0] - y[0] || (x[1] ?? 0) - (y[1] ?? 0);
}

abstract class VectorStoreBase extends Construct implements IVectorStore {
  abstract readonly endpointAddress: string;
  abstract readonly port: number;
  abstract readonly databaseName: string;
  abstract readonly secret: secretsmanager.ISecret;
  abstract readonly connections: ec2.Connections;

  grantConnect(client: IDatabaseClient): void {
    this.connections.allowDefaultPortFrom(client, `PostgreSQL (TLS) from ${client.toString()}`);
    grantSecretRead(this.secret, client);
  }
}

/**
 * The platform's PostgreSQL + pgvector store (semantic cache, embeddings): Aurora PostgreSQL
 * Serverless v2 in isolated subnets, storage encrypted with a customer-managed key, TLS forced,
 * credentials generated and rotated, logs exported to an encrypted log group. A schema step runs
 * the platform's migrations (`lambda/core/vector`) on every deploy, and creates the
 * least-privileged role the gateway connects as; `secret` holds that role's login.
 */
export class VectorStore extends VectorStoreBase {
  /** A database that exists already (with the platform's schema), for clients in this stack. */
  static fromVectorStoreAttributes(scope: Construct, id: string, attrs: VectorStoreAttributes): IVectorStore {
    if (attrs.securityGroups.length === 0) {
      fail(`${scope.node.path}/${id}`, 'give the database’s security groups, so that grantConnect can open its port');
    }
    class Imported extends VectorStoreBase {
      readonly endpointAddress = attrs.endpointAddress;
      readonly port = attrs.port;
      readonly databaseName = attrs.databaseName;
      readonly secret = attrs.secret;
      readonly connections = new ec2.Connections({
        securityGroups: attrs.securityGroups,
        defaultPort: ec2.Port.tcp(attrs.port),
      });
    }
    return new Imported(scope, id);
  }

  readonly endpointAddress: string;
  readonly port: number;
  readonly databaseName: string;
  /** The application role's login (alternating-users rotation). */
  readonly secret: secretsmanager.ISecret;
  /** The master user's login: for the schema step and break-glass access, never for applications. */
  readonly masterSecret: secretsmanager.ISecret;
  readonly connections: ec2.Connections;
  readonly cluster: rds.DatabaseCluster;
  /** The Aurora cluster's identifier (CloudWatch's `DBClusterIdentifier`). */
  readonly clusterIdentifier: string;
  readonly encryptionKey: kms.IKey;
  /** The exported PostgreSQL log. */
  readonly logGroup: logs.LogGroup;
  /** The function that applies the schema on every deploy. */
  readonly schemaFunction: lambda.Function;

  constructor(scope: Construct, id: string, props: VectorStoreProps) {
    super(scope, id);
    const highAvailability = props.highAvailability ?? true;
    const engineVersion = props.engineVersion ?? DEFAULT_VECTOR_STORE_ENGINE;
    const minCapacity = props.minCapacity ?? (highAvailability ? 0.5 : 0);
    const maxCapacity = props.maxCapacity ?? 4;
    const dimensions = props.dimensions ?? 256;
    const embeddingDimensions = [...new Set(props.embeddingDimensions ?? [dimensions])].sort((a, b) => a - b);
    const port = props.port ?? 5433;
    const databaseName = props.databaseName ?? 'llm_platform';
    const applicationRole = props.applicationRole ?? 'llm_app';
    const removalPolicy = props.removalPolicy ?? (highAvailability ? RemovalPolicy.RETAIN : RemovalPolicy.SNAPSHOT);
    const backupRetention = props.backupRetention ?? Duration.days(highAvailability ? 35 : 7);
    const rotation = props.credentialRotation ?? Duration.days(30);
    this.validate(props, { engineVersion, minCapacity, maxCapacity, dimensions, port, databaseName, applicationRole });
    if (props.deletionProtection === false && highAvailability) {
      fail(
        this.node.path,
        'deletionProtection is false for a highly available store; remove it (production data is protected), or set highAvailability to false',
      );
    }

    const subnets = dataSubnetsOf(this, 'VectorStore', props.vpc, props.subnets);
    const zones = subnets.availabilityZones;
    if (highAvailability && zones.length < 2) {
      fail(
        this.node.path,
        `highAvailability needs subnets in at least two availability zones for the reader; the selected subnets are in ${zones.length}. ` +
          'Select subnets in more zones, or set highAvailability to false.',
      );
    }
    const functionSubnets = props.functionSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

    this.port = port;
    this.databaseName = databaseName;
    const keepRemovalPolicy = removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    this.encryptionKey = props.encryptionKey ?? this.createKey(keepRemovalPolicy);

    // Named, so that its log group can exist (encrypted, with a retention) before RDS writes to it.
    const clusterIdentifier = Names.uniqueResourceName(this, { maxLength: 60, separator: '-' })
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '')
      .replace(/-+/g, '-');
    this.logGroup = new logs.LogGroup(this, 'PostgresLog', {
      logGroupName: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
      encryptionKey: this.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: keepRemovalPolicy,
    });

    const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: engineVersion });
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `Vector store ${this.node.path}: PostgreSQL (TLS) on ${port} from granted clients only`,
      allowAllOutbound: false,
    });
    const instance = (name: string, availabilityZone: string | undefined, reader: boolean) =>
      rds.ClusterInstance.serverlessV2(name, {
        availabilityZone: availabilityZone && !Token.isUnresolved(availabilityZone) ? availabilityZone : undefined,
        scaleWithWriter: reader ? true : undefined,
        autoMinorVersionUpgrade: true,
        publiclyAccessible: false,
        enablePerformanceInsights: true,
        performanceInsightEncryptionKey: this.encryptionKey,
      });
    // The store's own connections name the port literally, so every ingress rule says which port
    // it opens (the cluster's own would carry it as an attribute reference).
    this.connections = new ec2.Connections({ securityGroups: [securityGroup], defaultPort: ec2.Port.tcp(port) });
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine,
      clusterIdentifier,
      credentials: rds.Credentials.fromGeneratedSecret('llm_admin', {
        encryptionKey: this.encryptionKey,
        excludeCharacters: PASSWORD_EXCLUDE_CHARACTERS,
      }),
      defaultDatabaseName: databaseName,
      port,
      vpc: props.vpc,
      vpcSubnets: { subnets: subnets.subnets },
      securityGroups: [securityGroup],
      writer: instance('Writer', zones[0], false),
      readers: highAvailability ? [instance('Reader', zones[1], true)] : [],
      serverlessV2MinCapacity: minCapacity,
      serverlessV2MaxCapacity: maxCapacity,
      serverlessV2AutoPauseDuration: minCapacity === 0 ? (props.autoPause ?? Duration.minutes(10)) : undefined,
      storageEncrypted: true,
      storageEncryptionKey: this.encryptionKey,
      // IAM tokens as a second way in (for a user granted rds_iam); the platform's own clients keep
      // logging in with the rotated passwords of Secrets Manager, which this does not change.
      iamAuthentication: true,
      parameterGroup: new rds.ParameterGroup(this, 'ClusterParameters', {
        engine,
        description: `Vector store ${this.node.path}: TLS only`,
        // pgvector's own settings (hnsw.iterative_scan) are not parameters Aurora's groups accept:
        // the schema step sets them on the database (VECTOR_DATABASE_SETTINGS).
        parameters: { 'rds.force_ssl': '1' },
      }),
      cloudwatchLogsExports: ['postgresql'],
      // Operating-system metrics (processes, memory pressure) next to Performance Insights' SQL view.
      monitoringInterval: Duration.seconds(60),
      backup: { retention: backupRetention, preferredWindow: '03:00-04:00' },
      preferredMaintenanceWindow: 'sun:05:00-sun:06:00',
      copyTagsToSnapshot: true,
      deletionProtection: props.deletionProtection ?? highAvailability,
      removalPolicy,
      // No surprise charges: when a major version ends standard support, upgrade rather than pay.
      engineLifecycleSupport: rds.EngineLifecycleSupport.OPEN_SOURCE_RDS_EXTENDED_SUPPORT_DISABLED,
    });
    this.clusterIdentifier = this.cluster.clusterIdentifier;
    acknowledgeRules(
      this.cluster,
      ['NIST.800.53.R5-RDSInBackupPlan'],
      'Aurora backs the cluster up continuously with point-in-time restore (35 days when highly available), ' +
        "encrypted with the store's key. Enrolling it in an AWS Backup plan (often an organisation-wide, " +
        'cross-account policy) is left to the account owner rather than hard-wired into the construct.',
    );
    acknowledgeRules(
      this.cluster,
      [managedPolicyFinding('service-role/AmazonRDSEnhancedMonitoringRole')],
      'Enhanced Monitoring needs a role RDS assumes to write OS metrics to the RDSOSMetrics log group; ' +
        'AmazonRDSEnhancedMonitoringRole is the AWS-maintained policy for exactly that and nothing else.',
    );
    this.cluster.node.addDependency(this.logGroup);
    this.endpointAddress = this.cluster.clusterEndpoint.hostname;
    this.masterSecret = this.cluster.secret!;

    const applicationSecret = new rds.DatabaseSecret(this, 'ApplicationSecret', {
      username: applicationRole,
      dbname: databaseName,
      masterSecret: this.masterSecret,
      encryptionKey: this.encryptionKey,
      excludeCharacters: PASSWORD_EXCLUDE_CHARACTERS,
    });
    this.secret = applicationSecret.attach(this.cluster);

    this.schemaFunction = this.createSchemaFunction(props.vpc, functionSubnets, keepRemovalPolicy);
    const schema = this.createSchemaStep(props.vpc, functionSubnets, {
      Host: this.endpointAddress,
      Port: Token.asString(this.cluster.clusterEndpoint.port),
      DatabaseName: databaseName,
      MasterSecretArn: this.masterSecret.secretArn,
      ApplicationSecretArn: this.secret.secretArn,
      ApplicationRole: applicationRole,
      Dimensions: String(dimensions),
      EmbeddingDimensions: embeddingDimensions.join(','),
      SchemaFingerprint: this.schemaFingerprint({ dimensions, embeddingDimensions }),
    });

    // Rotation starts once the schema step has created the application role it alternates.
    const rotationProps = {
      vpc: props.vpc,
      vpcSubnets: functionSubnets,
      target: this,
      automaticallyAfter: rotation,
      excludeCharacters: PASSWORD_EXCLUDE_CHARACTERS,
    };
    const masterRotation = new secretsmanager.SecretRotation(this, 'MasterRotation', {
      ...rotationProps,
      application: secretsmanager.SecretRotationApplication.POSTGRES_ROTATION_SINGLE_USER,
      secret: this.masterSecret,
    });
    const applicationRotation = new secretsmanager.SecretRotation(this, 'ApplicationRotation', {
      ...rotationProps,
      application: secretsmanager.SecretRotationApplication.POSTGRES_ROTATION_MULTI_USER,
      secret: this.secret,
      masterSecret: this.masterSecret,
    });
    masterRotation.node.addDependency(schema);
    applicationRotation.node.addDependency(schema);
  }

  private validate(
    props: VectorStoreProps,
    resolved: {
      engineVersion: rds.AuroraPostgresEngineVersion;
      minCapacity: number;
      maxCapacity: number;
      dimensions: number;
      port: number;
      databaseName: string;
      applicationRole: string;
    },
  ): void {
    const { engineVersion, minCapacity, maxCapacity, dimensions, port, databaseName, applicationRole } = resolved;
    const full = engineVersion.auroraPostgresFullVersion;
    const minimum = MINIMUM_PGVECTOR_08_VERSIONS[engineVersion.auroraPostgresMajorVersion];
    if (!minimum || compareVersions(full, minimum) < 0) {
      fail(
        this.node.path,
        `engineVersion is Aurora PostgreSQL ${full}, whose pgvector is older than 0.8; use ${
          minimum ?? Object.values(MINIMUM_PGVECTOR_08_VERSIONS).join(', ')
        } or later (the default is ${DEFAULT_VECTOR_STORE_ENGINE.auroraPostgresFullVersion})`,
      );
    }
    const halfSteps = (n: number) => Number.isInteger(n * 2);
    if (!halfSteps(minCapacity) || minCapacity < 0 || minCapacity > 256) {
      fail(this.node.path, `minCapacity is ${minCapacity}; give 0 to 256 ACUs in steps of 0.5`);
    }
    if (!halfSteps(maxCapacity) || maxCapacity < 1 || maxCapacity > 256 || maxCapacity < minCapacity) {
      fail(
        this.node.path,
        `maxCapacity is ${maxCapacity}; give 1 to 256 ACUs in steps of 0.5, no less than minCapacity (${minCapacity})`,
      );
    }
    if (props.highAvailability !== false && minCapacity === 0) {
      fail(
        this.node.path,
        'minCapacity is 0 for a highly available store: a paused cluster takes seconds to answer. Give at least 0.5, or set highAvailability to false',
      );
    }
    if (props.autoPause !== undefined) {
      const seconds = props.autoPause.toSeconds();
      if (minCapacity !== 0) {
        fail(this.node.path, `autoPause applies only when minCapacity is 0 (it is ${minCapacity}); remove autoPause`);
      }
      if (seconds < 300 || seconds > 86_400) {
        fail(this.node.path, `autoPause is ${seconds} seconds; give 5 minutes to 1 day`);
      }
    }
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 2000) {
      fail(
        this.node.path,
        `dimensions is ${dimensions}; HNSW indexes take 1 to 2000 dimensions (the built-in embedder has 256)`,
      );
    }
    for (const size of props.embeddingDimensions ?? []) {
      try {
        chunkIndexType(size);
      } catch (error) {
        fail(this.node.path, `embeddingDimensions holds ${size}: ${(error as Error).message}`);
      }
    }
    if (!Number.isInteger(port) || port < 1150 || port > 65535 || port === 5432) {
      fail(
        this.node.path,
        `port is ${port}; give a port from 1150 to 65535 other than PostgreSQL's default 5432 (for example 5433)`,
      );
    }
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(databaseName)) {
      fail(
        this.node.path,
        `databaseName is "${databaseName}"; use lower-case letters, digits and underscores, starting with a letter`,
      );
    }
    if (
      !/^[a-z][a-z0-9_]{0,54}$/.test(applicationRole) ||
      ['llm_admin', 'postgres', 'rdsadmin'].includes(applicationRole)
    ) {
      fail(
        this.node.path,
        `applicationRole is "${applicationRole}"; use up to 55 lower-case letters, digits and underscores, and not a reserved or admin user name`,
      );
    }
    const retention = props.backupRetention?.toDays();
    if (retention !== undefined && (!Number.isInteger(retention) || retention < 1 || retention > 35)) {
      fail(this.node.path, `backupRetention is ${retention} days; keep backups for 1 to 35 whole days`);
    }
  }

  private createKey(removalPolicy: RemovalPolicy): kms.Key {
    // CloudWatch Logs encrypts the exported PostgreSQL log with it, for this account's log groups only.
    return logEncryptionKey(
      this,
      'Key',
      `Encrypts the vector store ${this.node.path}: storage, snapshots, credentials, logs`,
      removalPolicy,
    );
  }

  private createSchemaFunction(
    vpc: ec2.IVpc,
    subnets: ec2.SubnetSelection,
    removalPolicy: RemovalPolicy,
  ): lambda.Function {
    const securityGroup = new ec2.SecurityGroup(this, 'SchemaFunctionSecurityGroup', {
      vpc,
      description: `Schema step of ${this.node.path}: to the database and to AWS APIs over HTTPS`,
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs (Secrets Manager) over HTTPS');
    this.connections.allowDefaultPortFrom(securityGroup, 'Schema step');
    const logGroup = new logs.LogGroup(this, 'SchemaFunctionLog', {
      encryptionKey: this.encryptionKey,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy,
    });
    // Its own log group and network interfaces only, in a managed policy (not AWS's broad ones).
    const role = new VpcFunctionRole(this, 'SchemaFunctionRole', {
      logGroup,
      description: `Runs the schema step of ${this.node.path}`,
    });
    const fn = platformFunction(this, 'SchemaFunction', 'vector-schema', {
      description: `Applies the platform's vector schema to ${this.node.path} on every deploy`,
      memorySize: 256,
      timeout: Duration.minutes(5),
      vpc,
      vpcSubnets: subnets,
      securityGroups: [securityGroup],
      environment: {
        ...RDS_CA_ENVIRONMENT,
        POWERTOOLS_SERVICE_NAME: 'llm-platform-vector-schema',
        // A failed migration's stack trace points into the TypeScript, not the bundle.
        NODE_OPTIONS: '--enable-source-maps',
      },
      logGroup,
      role,
    });
    fn.node.addDependency(role.permissions); // Lambda checks the network-interface permissions at creation
    this.masterSecret.grantRead(fn);
    this.secret.grantRead(fn);
    return fn;
  }

  private createSchemaStep(
    vpc: ec2.IVpc,
    subnets: ec2.SubnetSelection,
    properties: SchemaStepProperties,
  ): CustomResource {
    const logGroup = new logs.LogGroup(this, 'SchemaProviderLog', {
      encryptionKey: this.encryptionKey,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const frameworkRole = new VpcFunctionRole(this, 'SchemaProviderRole', {
      logGroup,
      description: `Runs the custom-resource framework of the schema step of ${this.node.path}`,
    });
    const provider = new cr.Provider(this, 'SchemaProvider', {
      onEventHandler: this.schemaFunction,
      // Beside the step's function: it calls only Lambda (to invoke it) and S3 (to answer CloudFormation).
      vpc,
      vpcSubnets: subnets,
      securityGroups: this.schemaFunction.connections.securityGroups,
      logGroup,
      frameworkOnEventRole: frameworkRole,
    });
    provider.node.findChild('framework-onEvent').node.addDependency(frameworkRole.permissions);
    acknowledgeSchemaStep(this.schemaFunction, provider, frameworkRole);
    const schema = new CustomResource(this, 'Schema', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::VectorSchema',
      properties,
    });
    // After the instances are up (the endpoint alone is there before them); not after the whole
    // cluster construct, which also holds the rotations that must wait for this step.
    for (const child of this.cluster.node.findAll()) {
      if (child instanceof rds.CfnDBInstance) schema.node.addDependency(child);
    }
    return schema;
  }

  /**
   * Changes whenever what the step applies changes (the migrations, the settings, the step's code),
   * so that CloudFormation runs it again; the step itself skips what is already done.
   */
  private schemaFingerprint(schema: VectorSchemaOptions): string {
    const code = Stack.of(this).resolve((this.schemaFunction.node.defaultChild as lambda.CfnFunction).code) as {
      S3Key?: unknown;
    };
    return createHash('sha256')
      .update(JSON.stringify([vectorSchemaMigrations(schema), VECTOR_DATABASE_SETTINGS, code.S3Key ?? '']))
      .digest('hex');
  }

  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.cluster.metric(metricName, props);
  }

  /** CPU of the cluster's instances, percent. */
  metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.cluster.metricCPUUtilization(props);
  }

  /** Open connections. */
  metricConnections(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.cluster.metricDatabaseConnections(props);
  }

  /** Capacity in use, in ACUs. */
  metricCapacity(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.cluster.metricServerlessDatabaseCapacity(props);
  }

  /** Capacity in use as a percentage of `maxCapacity`: near 100 means raise it. */
  metricCapacityUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.cluster.metricACUUtilization(props);
  }

  /** Memory available to the instances, bytes. */
  metricFreeableMemory(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.cluster.metricFreeableMemory(props);
  }

  /** Deadlocks per second. */
  metricDeadlocks(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.cluster.metricDeadlocks(props);
  }
}
