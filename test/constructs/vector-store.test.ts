import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { VectorStore, type VectorStoreProps } from '../../constructs';
import { vectorSchemaMigrations } from '../../lambda/contract/vector-schema/migrations';
import { ingressOf, onlyResource, subnetRefs, teamStack, type Json } from './data-store-fixtures';

describe('VectorStore, used alone in a team’s stack and VPC (highly available by default)', () => {
  const team = teamStack({ zones: 3 });
  const store = new VectorStore(team.stack, 'Vectors', { vpc: team.vpc });
  store.grantConnect(team.client());
  const template = Template.fromStack(team.stack);
  const cluster = onlyResource(template, 'AWS::RDS::DBCluster');
  const key = onlyResource(template, 'AWS::KMS::Key');
  const instances = Object.values(template.findResources('AWS::RDS::DBInstance')) as Json[];
  const securityGroupId = cluster.Properties.VpcSecurityGroupIds[0]['Fn::GetAtt'][0];

  test('Aurora PostgreSQL 17.7 (pgvector 0.8), Serverless v2 from 0.5 ACU', () => {
    expect(cluster.Properties).toMatchObject({
      Engine: 'aurora-postgresql',
      EngineVersion: '17.7',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
      EngineLifecycleSupport: 'open-source-rds-extended-support-disabled',
    });
    expect(instances.every((i) => i.Properties.DBInstanceClass === 'db.serverless')).toBe(true);
  });

  test('storage, Performance Insights and credentials encrypted with its own rotating key', () => {
    expect(cluster.Properties).toMatchObject({ StorageEncrypted: true, KmsKeyId: { 'Fn::GetAtt': [key.id, 'Arn'] } });
    expect(key.Properties.EnableKeyRotation).toBe(true);
    for (const instance of instances) {
      expect(instance.Properties.PerformanceInsightsKMSKeyId).toEqual({ 'Fn::GetAtt': [key.id, 'Arn'] });
    }
    for (const secret of Object.values(template.findResources('AWS::SecretsManager::Secret')) as Json[]) {
      expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [key.id, 'Arn'] });
    }
  });

  test('TLS is forced by the cluster parameter group', () => {
    const parameters = onlyResource(template, 'AWS::RDS::DBClusterParameterGroup');
    expect(parameters.Properties).toMatchObject({
      Family: 'aurora-postgresql17',
      Parameters: { 'rds.force_ssl': '1' },
    });
    expect(cluster.Properties.DBClusterParameterGroupName).toEqual({ Ref: parameters.id });
  });

  test('IAM database authentication is on, beside the rotated passwords the platform logs in with', () => {
    // CT.RDS.PR.4. The gateway and the schema step keep their Secrets Manager logins; a database
    // user granted rds_iam (an operator's, say) can log in with an IAM token instead.
    expect(cluster.Properties.EnableIAMDatabaseAuthentication).toBe(true);
  });

  test('in the isolated subnets, never publicly accessible, on a port other than 5432', () => {
    const subnetGroup = onlyResource(template, 'AWS::RDS::DBSubnetGroup');
    expect(subnetGroup.Properties.SubnetIds).toEqual(subnetRefs(team.stack, team.vpc, ec2.SubnetType.PRIVATE_ISOLATED));
    expect(instances.every((i) => i.Properties.PubliclyAccessible === false)).toBe(true);
    expect(cluster.Properties.Port).toBe(5433);
  });

  test('a writer and a reader in different zones, the reader scaling with the writer', () => {
    expect(instances.map((i) => [i.Properties.AvailabilityZone, i.Properties.PromotionTier]).sort()).toEqual([
      ['us-east-1a', 0],
      ['us-east-1b', 1],
    ]);
  });

  test('deletion protection, and the cluster retained when the stack goes', () => {
    expect(cluster.Properties.DeletionProtection).toBe(true);
    expect(cluster.DeletionPolicy).toBe('Retain');
    expect(key.DeletionPolicy).toBe('Retain');
    expect(cluster.Properties.BackupRetentionPeriod).toBe(35);
  });

  test('PostgreSQL logs exported to a log group of its own, encrypted, kept a year', () => {
    expect(cluster.Properties.EnableCloudwatchLogsExports).toEqual(['postgresql']);
    const identifier = cluster.Properties.DBClusterIdentifier;
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `/aws/rds/cluster/${identifier}/postgresql`,
      KmsKeyId: { 'Fn::GetAtt': [key.id, 'Arn'] },
      RetentionInDays: 365,
    });
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
      }),
    );
  });

  test('every ingress rule names a security group (schema step, rotations, the granted client) and the port', () => {
    const rules = ingressOf(template, securityGroupId);
    expect(rules).toHaveLength(4);
    for (const rule of rules) {
      expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: 5433, ToPort: 5433 });
      expect(rule.SourceSecurityGroupId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'GroupId'] });
      expect(rule.CidrIp).toBeUndefined();
    }
    expect(rules.map((r) => r.SourceSecurityGroupId['Fn::GetAtt'][0]).sort()).toEqual([
      expect.stringMatching(/^ClientSecurityGroup/),
      expect.stringMatching(/^VectorsApplicationRotationSecurityGroup/),
      expect.stringMatching(/^VectorsMasterRotationSecurityGroup/),
      expect.stringMatching(/^VectorsSchemaFunctionSecurityGroup/),
    ]);
  });

  test('credentials generated, never written in the template, and rotated every 30 days', () => {
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret')) as Json[];
    expect(secrets).toHaveLength(2);
    for (const secret of secrets) {
      expect(secret.Properties.SecretString).toBeUndefined();
      expect(secret.Properties.GenerateSecretString.GenerateStringKey).toBe('password');
    }
    // The application secret's template names its master secret (for alternating-users rotation).
    const templates = secrets.map((s) => JSON.stringify(s.Properties.GenerateSecretString.SecretStringTemplate));
    expect(templates).toContainEqual(JSON.stringify(JSON.stringify({ username: 'llm_admin' })));
    expect(templates).toContainEqual(expect.stringMatching(/username.*llm_app.*dbname.*llm_platform.*masterarn/));
    expect(cluster.Properties.MasterUserPassword['Fn::Join'][1]).toContain(':SecretString:password::}}');
    template.resourcePropertiesCountIs(
      'AWS::SecretsManager::RotationSchedule',
      { RotationRules: { ScheduleExpression: 'rate(30 days)' } },
      2,
    );
    // AWS's own rotation functions for Aurora PostgreSQL, from the Serverless Application Repository.
    const applications = Object.values(template.toJSON().Mappings as Record<string, Json>)
      .map((mapping) => String(mapping.aws.applicationId).split('/').pop())
      .sort();
    expect(applications).toEqual([
      'SecretsManagerRDSPostgreSQLRotationMultiUser',
      'SecretsManagerRDSPostgreSQLRotationSingleUser',
    ]);
  });

  test('the application login is the one clients are given; the master login is kept for the schema step', () => {
    expect(store.secret).not.toBe(store.masterSecret);
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) =>
      JSON.stringify(p).includes('ClientServiceRole'),
    ) as Json;
    const resources = JSON.stringify(policy.Properties.PolicyDocument.Statement);
    expect(resources).toContain('VectorsApplicationSecretAttachment');
    expect(resources).not.toContain('VectorsClusterSecretAttachment');
  });

  test('the schema step runs the platform’s migrations after the instances exist, then rotation starts', () => {
    const step = onlyResource(template, 'Custom::VectorSchema');
    expect(step.Properties).toMatchObject({
      Host: { 'Fn::GetAtt': [cluster.id, 'Endpoint.Address'] },
      DatabaseName: 'llm_platform',
      ApplicationRole: 'llm_app',
      Dimensions: '256',
      SchemaFingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const instanceIds = Object.keys(template.findResources('AWS::RDS::DBInstance')).sort();
    expect([...step.DependsOn].sort()).toEqual(instanceIds);
    for (const app of Object.values(template.findResources('AWS::Serverless::Application')) as Json[]) {
      expect(app.DependsOn).toContain(step.id);
    }
  });

  test('the schema function: arm64, current Node, in the private subnets, TLS verified, no secret in its environment', () => {
    const fn = onlyResource(template, 'AWS::Lambda::Function', {
      Properties: { Description: "Applies the platform's vector schema to Team/Vectors on every deploy" },
    });
    expect(fn.Properties).toMatchObject({
      Architectures: ['arm64'],
      Runtime: 'nodejs24.x',
      VpcConfig: { SubnetIds: subnetRefs(team.stack, team.vpc, ec2.SubnetType.PRIVATE_WITH_EGRESS) },
      Environment: { Variables: { NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' } },
    });
    expect(Object.keys(fn.Properties.Environment.Variables).sort()).toEqual([
      'NODE_EXTRA_CA_CERTS',
      'NODE_OPTIONS',
      'POWERTOOLS_SERVICE_NAME',
    ]);
  });

  test('metrics from the cluster', () => {
    expect(store.metricCapacity().metricName).toBe('ServerlessDatabaseCapacity');
    expect(store.metricCapacityUtilization().metricName).toBe('ACUUtilization');
    expect(store.metricConnections().metricName).toBe('DatabaseConnections');
    expect(store.metricCpuUtilization().metricName).toBe('CPUUtilization');
    expect(store.metricFreeableMemory().metricName).toBe('FreeableMemory');
    expect(store.metricDeadlocks().metricName).toBe('Deadlocks');
    expect(store.metric('BufferCacheHitRatio').dimensions).toEqual({
      DBClusterIdentifier: store.cluster.clusterIdentifier,
    });
  });
});

describe('VectorStore in a development environment', () => {
  const team = teamStack();
  const store = new VectorStore(team.stack, 'Vectors', {
    vpc: team.vpc,
    highAvailability: false,
    maxCapacity: 2,
    dimensions: 1536,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const template = Template.fromStack(team.stack);
  const cluster = onlyResource(template, 'AWS::RDS::DBCluster');

  test('scales to zero and pauses after ten quiet minutes; one instance', () => {
    expect(cluster.Properties.ServerlessV2ScalingConfiguration).toEqual({
      MinCapacity: 0,
      MaxCapacity: 2,
      SecondsUntilAutoPause: 600,
    });
    template.resourceCountIs('AWS::RDS::DBInstance', 1);
  });

  test('no deletion protection, deleted with the stack, a week of backups', () => {
    expect(cluster.Properties.DeletionProtection).toBe(false);
    expect(cluster.DeletionPolicy).toBe('Delete');
    expect(cluster.Properties.BackupRetentionPeriod).toBe(7);
  });

  test('the schema follows the embedding model’s dimensions, and its fingerprint follows the migrations', () => {
    const step = onlyResource(template, 'Custom::VectorSchema');
    expect(step.Properties.Dimensions).toBe('1536');
    // Collections of the same size by default.
    expect(step.Properties.EmbeddingDimensions).toBe('1536');
    const other = teamStack();
    new VectorStore(other.stack, 'Vectors', { vpc: other.vpc, highAvailability: false, dimensions: 256 });
    const otherStep = onlyResource(Template.fromStack(other.stack), 'Custom::VectorSchema');
    expect(otherStep.Properties.SchemaFingerprint).not.toBe(step.Properties.SchemaFingerprint);
    expect(vectorSchemaMigrations({ dimensions: 1536 })[1].sql).toContain('vector(1536)');
  });

  test('still encrypted, still TLS only, still private, still IAM authentication', () => {
    expect(cluster.Properties.StorageEncrypted).toBe(true);
    expect(cluster.Properties.EnableIAMDatabaseAuthentication).toBe(true);
    template.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', { Parameters: { 'rds.force_ssl': '1' } });
    template.allResourcesProperties('AWS::RDS::DBInstance', { PubliclyAccessible: false });
    expect(store.port).toBe(5433);
  });
});

describe('VectorStore.fromVectorStoreAttributes: an existing database', () => {
  const team = teamStack();
  const store = VectorStore.fromVectorStoreAttributes(team.stack, 'Vectors', {
    endpointAddress: 'team-db.cluster-abc.us-east-1.rds.amazonaws.com',
    port: 5440,
    databaseName: 'team_vectors',
    securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(team.stack, 'DbSg', 'sg-0fedcba9876543210')],
    secret: secretsmanager.Secret.fromSecretCompleteArn(
      team.stack,
      'Login',
      'arn:aws:secretsmanager:us-east-1:111122223333:secret:team/db-AbCdEf',
    ),
  });
  const grant = store.grantConnect(team.client());
  const template = Template.fromStack(team.stack);

  test('grantConnect returns the grant on the login secret, as aws-cdk-lib grant* methods do', () => {
    expect(grant.success).toBe(true);
    expect(grant).toBeInstanceOf(iam.Grant);
  });

  test('creates no database; grantConnect opens its security group to the client and lets it read the login', () => {
    template.resourceCountIs('AWS::RDS::DBCluster', 0);
    template.resourceCountIs('Custom::VectorSchema', 0);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0fedcba9876543210',
      FromPort: 5440,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClientSecurityGroup'), 'GroupId'] },
    });
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).toContain(
      'arn:aws:secretsmanager:us-east-1:111122223333:secret:team/db-AbCdEf',
    );
    expect(store.databaseName).toBe('team_vectors');
  });
});

describe('VectorStore refuses bad props with what to do', () => {
  const cases: [string, Omit<VectorStoreProps, 'vpc'>, RegExp][] = [
    [
      'an engine whose pgvector is older than 0.8',
      { engineVersion: rds.AuroraPostgresEngineVersion.VER_16_4 },
      /engineVersion is Aurora PostgreSQL 16.4, whose pgvector is older than 0.8; use 16.8 or later/,
    ],
    [
      'a highly available store that pauses',
      { minCapacity: 0 },
      /minCapacity is 0 for a highly available store: a paused cluster takes seconds to answer. Give at least 0.5, or set highAvailability to false/,
    ],
    [
      'a ceiling under the floor',
      { minCapacity: 4, maxCapacity: 2 },
      /maxCapacity is 2; give 1 to 256 ACUs in steps of 0.5, no less than minCapacity \(4\)/,
    ],
    ['capacity off the half-step grid', { minCapacity: 0.7 }, /minCapacity is 0.7; give 0 to 256 ACUs in steps of 0.5/],
    [
      'auto-pause without scaling to zero',
      { autoPause: Duration.minutes(10) },
      /autoPause applies only when minCapacity is 0/,
    ],
    [
      'auto-pause too short',
      { highAvailability: false, autoPause: Duration.minutes(1) },
      /autoPause is 60 seconds; give 5 minutes to 1 day/,
    ],
    [
      'dimensions HNSW cannot index',
      { dimensions: 3072 },
      /dimensions is 3072; HNSW indexes take 1 to 2000 dimensions/,
    ],
    [
      'a collection size no index can take',
      { embeddingDimensions: [1536, 4096] },
      /embeddingDimensions holds 4096: vector dimensions must be a whole number from 1 to 4000 \(the HNSW limit, as halfvec above 2000\)/,
    ],
    ['the default port', { port: 5432 }, /port is 5432; give a port .* other than PostgreSQL's default 5432/],
    [
      'a database name it would have to quote',
      { databaseName: 'LLM-Data' },
      /databaseName is "LLM-Data"; use lower-case letters/,
    ],
    [
      'the admin user as the application role',
      { applicationRole: 'llm_admin' },
      /applicationRole is "llm_admin"; .*not a reserved or admin user name/,
    ],
    [
      'backups kept too long',
      { backupRetention: Duration.days(90) },
      /backupRetention is 90 days; keep backups for 1 to 35 whole days/,
    ],
    [
      'production data without deletion protection',
      { deletionProtection: false },
      /deletionProtection is false for a highly available store; remove it .*or set highAvailability to false/,
    ],
    [
      'public subnets',
      { vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } },
      /vpcSubnets selects public subnets; a data store must not be reachable from the internet/,
    ],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    const team = teamStack();
    expect(() => new VectorStore(team.stack, 'Vectors', { vpc: team.vpc, ...props })).toThrow(message);
  });

  test('a reader needs a second zone', () => {
    const team = teamStack();
    expect(
      () =>
        new VectorStore(team.stack, 'Vectors', {
          vpc: team.vpc,
          vpcSubnets: { subnets: [team.vpc.isolatedSubnets[0]] },
        }),
    ).toThrow(
      /^VectorStore Team\/Vectors: highAvailability needs subnets in at least two availability zones for the reader/,
    );
  });
});

describe('VectorStore placement: one name, the old ones still honoured', () => {
  const dataSubnet = (stack: ReturnType<typeof teamStack>) => ({ subnets: [stack.vpc.isolatedSubnets[0]] });
  test.each([
    ['vpcSubnets', (team: ReturnType<typeof teamStack>) => ({ vpcSubnets: dataSubnet(team) })],
    ['the deprecated subnets', (team: ReturnType<typeof teamStack>) => ({ subnets: dataSubnet(team) })],
  ])('%s places the database', (_name, placement) => {
    const team = teamStack();
    expect(() => new VectorStore(team.stack, 'Vectors', { vpc: team.vpc, ...placement(team) })).toThrow(
      /highAvailability needs subnets in at least two availability zones for the reader; the selected subnets are in 1/,
    );
  });

  test('functionVpcSubnets (or the deprecated functionSubnets) places the schema step', () => {
    for (const key of ['functionVpcSubnets', 'functionSubnets'] as const) {
      const team = teamStack();
      const store = new VectorStore(team.stack, 'Vectors', {
        vpc: team.vpc,
        [key]: { subnets: [team.vpc.privateSubnets[1]] },
      });
      const fn = store.schemaFunction.node.defaultChild as { vpcConfig?: unknown };
      expect(JSON.stringify(team.stack.resolve(fn.vpcConfig))).toContain(
        team.stack.resolve(team.vpc.privateSubnets[1].subnetId).Ref,
      );
    }
  });

  test('every problem of the props is reported at once, each with what to do', () => {
    const team = teamStack();
    const attempt = () =>
      new VectorStore(team.stack, 'Vectors', { vpc: team.vpc, port: 5432, databaseName: 'X', maxCapacity: 999 });
    expect(attempt).toThrow(
      /^VectorStore Team\/Vectors:\n {2}- maxCapacity is 999; .*\n {2}- port is 5432; .*\n {2}- databaseName is "X"; /,
    );
  });
});
