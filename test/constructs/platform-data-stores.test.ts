import { Template } from 'aws-cdk-lib/assertions';
import { ENVIRONMENTS } from '../../lib/config/environments';
import { buildPlatform } from '../support/platform-app';
import { layerFiles, synthesizedStage } from '../support/stage-assembly';
import { onlyResource } from './data-store-fixtures';

const templateOf = (stage: string) => synthesizedStage(stage).template;

describe('the data stores in every environment', () => {
  test.each(['Dev', 'Staging', 'Prod'])('%s holds the cache, the vector store and the provider secrets', (stage) => {
    const template = templateOf(stage);
    template.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 1);
    template.resourceCountIs('AWS::RDS::DBCluster', 1);
    template.resourceCountIs('Custom::VectorSchema', 1);
    expect(
      Object.keys(template.toJSON().Outputs)
        .filter((k) => k.startsWith('ProviderSecret'))
        .sort(),
    ).toEqual(['ProviderSecretAnthropic', 'ProviderSecretOpenai']);
    expect(onlyResource(template, 'AWS::ElastiCache::ReplicationGroup').Properties.Port).toBe(6380);
    expect(onlyResource(template, 'AWS::RDS::DBCluster').Properties.Port).toBe(5433);
  });

  test('prod: a replicated Multi-AZ cache, a protected and retained database with a reader', () => {
    const template = templateOf('Prod');
    expect(onlyResource(template, 'AWS::ElastiCache::ReplicationGroup').Properties).toMatchObject({
      CacheNodeType: 'cache.r7g.large',
      NumCacheClusters: 3,
      MultiAZEnabled: true,
      AutomaticFailoverEnabled: true,
      PreferredCacheClusterAZs: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
      SnapshotRetentionLimit: 35,
    });
    const cluster = onlyResource(template, 'AWS::RDS::DBCluster');
    expect(cluster.DeletionPolicy).toBe('Retain');
    expect(cluster.Properties).toMatchObject({
      DeletionProtection: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 16 },
    });
    template.resourceCountIs('AWS::RDS::DBInstance', 2);
  });

  test('dev: one cache node, a database that scales to zero, everything deleted with the stack', () => {
    const template = templateOf('Dev');
    const group = onlyResource(template, 'AWS::ElastiCache::ReplicationGroup');
    expect(group.Properties).toMatchObject({ NumCacheClusters: 1, MultiAZEnabled: false });
    expect(group.DeletionPolicy).toBe('Delete');
    const cluster = onlyResource(template, 'AWS::RDS::DBCluster');
    expect(cluster.Properties.ServerlessV2ScalingConfiguration).toEqual({
      MinCapacity: 0,
      MaxCapacity: 2,
      SecondsUntilAutoPause: 600,
    });
    expect(cluster.DeletionPolicy).toBe('Delete');
  });

  test('the stack says where to put each provider key', () => {
    const outputs = templateOf('Prod').toJSON().Outputs;
    expect(
      Object.keys(outputs)
        .filter((k) => k.startsWith('ProviderSecret'))
        .sort(),
    ).toEqual(['ProviderSecretAnthropic', 'ProviderSecretOpenai']);
    expect(outputs.ProviderSecretOpenai.Description).toMatch(/put-secret-value/);
  });
});

describe('an environment that brings its own cache, database and secrets', () => {
  const SG_CACHE = 'sg-0123456789abcdef0';
  const SG_DB = 'sg-0fedcba9876543210';
  const OPENAI = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:shared/openai-AbCdEf';
  const {
    stages: [stage],
  } = buildPlatform({
    shared: {
      ...ENVIRONMENTS.dev,
      name: 'shared',
      cache: {
        existing: {
          endpointAddress: 'master.shared.abc.use1.cache.amazonaws.com',
          port: 6380,
          securityGroupId: SG_CACHE,
          gatewayUsername: 'llm-gateway',
          passwordSecretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:shared/cache-AbCdEf',
        },
      },
      vectorStore: {
        existing: {
          endpointAddress: 'shared.cluster-abc.us-east-1.rds.amazonaws.com',
          port: 5433,
          databaseName: 'llm_platform',
          securityGroupId: SG_DB,
          secretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:shared/db-AbCdEf',
        },
      },
      providerSecrets: { credentials: ['anthropic'], existing: { openai: OPENAI } },
    },
  });
  const template = Template.fromStack(stage.platform);

  test('creates none of them, and uses the existing ones', () => {
    template.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 0);
    template.resourceCountIs('AWS::RDS::DBCluster', 0);
    // The one new provider credential (anthropic) and the jobs' webhook signing secret: no data-store secret.
    expect(Object.keys(template.findResources('AWS::SecretsManager::Secret')).sort()).toEqual([
      expect.stringMatching(/^JobsWebhookSecret/),
      expect.stringMatching(/^ProviderSecretsCredentialanthropic/),
    ]);
    expect(stage.platform.responseCache.endpointAddress).toBe('master.shared.abc.use1.cache.amazonaws.com');
    expect(stage.platform.vectorStore.connections.securityGroups.map((g) => g.securityGroupId)).toEqual([SG_DB]);
    expect(stage.platform.providerSecrets.credentialNames).toEqual(['anthropic', 'openai']);
    expect(template.toJSON().Outputs.ProviderSecretOpenai.Value).toBe(OPENAI);
  });
});

describe('the semantic cache and the collections are made for the embedding model each stage deploys', () => {
  test.each(['Dev', 'Staging', 'Prod'])(
    '%s: the gateway embeds with "embed" (1536-d), and the vector store is made and indexed for 1536',
    (name) => {
      const stage = synthesizedStage(name);
      const configs = layerFiles(stage, 'llm-gateway/gateway-config.json') as Array<{
        models: Record<string, { kind?: string; dimensions?: number; deployments: string[] }>;
        deployments: Record<string, { model: string }>;
        semanticCache?: { embeddingModel?: string };
      }>;
      // The gateway and every service that runs its config: all with the real embedding model.
      expect(configs.length).toBeGreaterThan(0);
      for (const config of configs) {
        expect(config.semanticCache?.embeddingModel).toBe('embed');
        const model = config.models.embed;
        expect(model).toMatchObject({ kind: 'embedding', dimensions: 1536 });
        expect(config.deployments[model.deployments[0]].model).toBe('text-embedding-3-small');
      }
      const step = onlyResource(stage.template, 'Custom::VectorSchema');
      expect(step.Properties).toMatchObject({ Dimensions: '1536', EmbeddingDimensions: '1536' });
    },
  );
});
