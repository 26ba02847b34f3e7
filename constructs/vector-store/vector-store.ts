import { Duration, Names, RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ConnectableStore, importStore } from '../shared/connectable-store';
import { dataSubnetsOf } from '../shared/data-subnets';
import { logEncryptionKey } from '../shared/log-encryption';
import { acknowledgeRules, managedPolicyFinding } from '../shared/nag-acknowledgments';
import { APPLICATION_SUBNETS } from '../shared/props';
import { PropsCheck } from '../shared/validation';
import { schemaFingerprint, schemaFunction, schemaStep, type SchemaStepTarget } from './schema-step';
import { checkVectorStoreProps } from './vector-store-checks';
import { DEFAULT_VECTOR_STORE_ENGINE, type VectorStoreAttributes, type VectorStoreProps } from './vector-store-props';
import type { IVectorStore } from './vector-store-interface';

/** Characters generated database passwords leave out (those RDS or a connection string dislike). */
const PASSWORD_EXCLUDE_CHARACTERS = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\';

/**
 * The platform's PostgreSQL + pgvector store (semantic cache, embeddings): Aurora PostgreSQL
 * Serverless v2 in isolated subnets, storage encrypted with a customer-managed key, TLS forced,
 * credentials generated and rotated, logs exported to an encrypted log group. A schema step runs
 * the platform's migrations (`lambda/core/vector`) on every deploy, and creates the
 * least-privileged role the gateway connects as; `secret` holds that role's login.
 */
export class VectorStore extends ConnectableStore implements IVectorStore {
  /** A database that exists already (with the platform's schema), for clients in this stack. */
  static fromVectorStoreAttributes(scope: Construct, id: string, attrs: VectorStoreAttributes): IVectorStore {
    const login = { kind: 'VectorStore', what: 'database', protocol: 'PostgreSQL (TLS)', secret: attrs.secret };
    return importStore(scope, id, attrs, login, { databaseName: attrs.databaseName, secret: attrs.secret });
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
  protected readonly protocol = 'PostgreSQL (TLS)';
  protected get clientSecret(): secretsmanager.ISecret {
    return this.secret;
  }

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
    const check = new PropsCheck('VectorStore', this.node.path);
    checkVectorStoreProps(check, props, {
      engineVersion,
      highAvailability,
      minCapacity,
      maxCapacity,
      dimensions,
      port,
      databaseName,
      applicationRole,
    });
    check.throwIfAny();

    const subnets = dataSubnetsOf(this, 'VectorStore', props.vpc, props.vpcSubnets ?? props.subnets);
    const zones = subnets.availabilityZones;
    check
      .expect(
        !highAvailability || zones.length >= 2,
        `highAvailability needs subnets in at least two availability zones for the reader; the selected subnets are in ${zones.length}. ` +
          'Select subnets in more zones, or set highAvailability to false.',
      )
      .throwIfAny();
    const functionSubnets = props.functionVpcSubnets ?? props.functionSubnets ?? APPLICATION_SUBNETS;

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

    const step: SchemaStepTarget = {
      scope: this,
      vpc: props.vpc,
      subnets: functionSubnets,
      connections: this.connections,
      key: this.encryptionKey,
      logRetention: props.logRetention,
      removalPolicy: keepRemovalPolicy,
      masterSecret: this.masterSecret,
      secret: this.secret,
      cluster: this.cluster,
    };
    this.schemaFunction = schemaFunction(step);
    const schema = schemaStep(step, this.schemaFunction, {
      Host: this.endpointAddress,
      Port: Token.asString(this.cluster.clusterEndpoint.port),
      DatabaseName: databaseName,
      MasterSecretArn: this.masterSecret.secretArn,
      ApplicationSecretArn: this.secret.secretArn,
      ApplicationRole: applicationRole,
      Dimensions: String(dimensions),
      EmbeddingDimensions: embeddingDimensions.join(','),
      SchemaFingerprint: schemaFingerprint(this.schemaFunction, { dimensions, embeddingDimensions }),
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

  private createKey(removalPolicy: RemovalPolicy): kms.Key {
    // CloudWatch Logs encrypts the exported PostgreSQL log with it, for this account's log groups only.
    return logEncryptionKey(
      this,
      'Key',
      `Encrypts the vector store ${this.node.path}: storage, snapshots, credentials, logs`,
      removalPolicy,
    );
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
