import { ENVIRONMENTS } from '../../lib/config/environments';
import { EnvironmentConfigError, parseEnvironmentConfig } from '../../lib/config/load';
import type { EnvironmentConfigInput } from '../../lib/config/schema';
import { layerFiles, synthesizedStage } from '../support/stage-assembly';

const templateOf = (name: string) => synthesizedStage(name).template;

describe('serving per environment', () => {
  test('dev has no GPU serving at all; staging and prod have a cluster', () => {
    templateOf('Dev').resourceCountIs('AWS::EKS::Cluster', 0);
    templateOf('Dev').resourceCountIs('AWS::EKS::Nodegroup', 0);
    for (const name of ['Staging', 'Prod']) {
      templateOf(name).resourceCountIs('AWS::EKS::Cluster', 1);
    }
  });

  test('the cluster runs in the application subnets of the platform network', () => {
    const template = templateOf('Prod');
    const applicationSubnets = Object.keys(template.findResources('AWS::EC2::Subnet')).filter((id) =>
      id.startsWith('NetworkVpcApplicationSubnet'),
    );
    expect(applicationSubnets).toHaveLength(3);
    const cluster = template.findResources('AWS::EKS::Cluster');
    const config = Object.values(cluster)[0].Properties.ResourcesVpcConfig;
    expect(config.SubnetIds.map((s: { Ref: string }) => s.Ref).sort()).toEqual(applicationSubnets.sort());
  });

  test('prod keeps more nodes than staging: HA system nodes and warm GPU nodes', () => {
    const scaling = (name: string, ami: string) =>
      Object.values(templateOf(name).findResources('AWS::EKS::Nodegroup'))
        .map((r) => r.Properties)
        .filter((p) => p.AmiType === ami)
        .map((p) => p.ScalingConfig);
    expect(scaling('Prod', 'AL2023_x86_64_STANDARD')).toEqual([{ MinSize: 3, MaxSize: 6, DesiredSize: 3 }]);
    expect(scaling('Staging', 'AL2023_x86_64_STANDARD')).toEqual([{ MinSize: 2, MaxSize: 4, DesiredSize: 2 }]);
    expect(scaling('Prod', 'AL2023_x86_64_NVIDIA')).toEqual([{ MinSize: 2, MaxSize: 8, DesiredSize: 2 }]);
    expect(scaling('Staging', 'AL2023_x86_64_NVIDIA')).toEqual([{ MinSize: 0, MaxSize: 2, DesiredSize: 0 }]);
  });

  test('the environment workloads become gateway deployments', () => {
    const servingDeployments = (name: string) => {
      const configs = layerFiles(synthesizedStage(name), 'llm-gateway/gateway-config.json') as {
        deployments: Record<string, { provider: string }>;
      }[];
      expect(configs).toHaveLength(1);
      return Object.entries(configs[0].deployments)
        .filter(([, deployment]) => deployment.provider === 'openai-compatible')
        .map(([id]) => id);
    };
    expect(servingDeployments('Prod')).toEqual(['vllm-llama-8b', 'triton-triton-llama-8b']);
    expect(servingDeployments('Staging')).toEqual(['vllm-llama-8b']);
    expect(servingDeployments('Dev')).toEqual([]);
  });
});

describe('the serving config section', () => {
  const base = ENVIRONMENTS.staging as EnvironmentConfigInput;
  const problems = (serving: unknown): string[] => {
    try {
      parseEnvironmentConfig('staging', { ...base, serving });
    } catch (error) {
      return [...(error as EnvironmentConfigError).problems];
    }
    throw new Error('expected the config to be rejected');
  };

  test('is off when left out', () => {
    const { serving: _serving, ...without } = base;
    expect(parseEnvironmentConfig('staging', without).serving).toMatchObject({ enabled: false, vllm: [], triton: [] });
  });

  test('names a workload on a node group that does not exist, and min above max', () => {
    expect(
      problems({
        enabled: true,
        gpuNodeGroups: [{ name: 'l4', instanceTypes: ['g6.xlarge'], maxSize: 1 }],
        vllm: [{ name: 'llama', model: 'm', nodeGroup: 'h100', minReplicas: 3, maxReplicas: 2 }],
      }),
    ).toEqual([
      'serving.vllm.0.nodeGroup: is "h100", which is not one of gpuNodeGroups (l4)',
      'serving.vllm.0.minReplicas: is 3, above maxReplicas (2)',
    ]);
  });

  test('refuses an unknown quantization and unknown fields', () => {
    expect(
      problems({
        enabled: true,
        gpuNodeGroups: [{ name: 'l4', instanceTypes: ['g6.xlarge'], maxSize: 1 }],
        vllm: [{ name: 'llama', model: 'm', nodeGroup: 'l4', quantization: 'int3', replicas: 2 }],
      }),
    ).toEqual([
      expect.stringMatching(/^serving.vllm.0.quantization: must be one of "none", "awq"/),
      'serving.vllm.0: unknown field "replicas"',
    ]);
  });
});
