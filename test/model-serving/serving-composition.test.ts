import { ENVIRONMENTS } from '../../lib/config/environments';
import { EnvironmentConfigError, parseEnvironmentConfig } from '../../lib/config/load';
import type { EnvironmentConfigInput } from '../../lib/config/schema';
import { servingDemandKey } from '../../lambda/contract/serving-demand';
import { layerFiles, synthesizedStage } from '../support/stage-assembly';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

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

/**
 * The Kubernetes objects a stage applies to its cluster, from the manifest resources of its template
 * (tokens such as the bucket name, which CloudFormation fills in, are left as `<token>`).
 */
function appliedObjects(name: string): Obj[] {
  const resources = Object.values(templateOf(name).findResources('Custom::AWSCDK-EKS-KubernetesResource'));
  return resources.flatMap((r) => {
    const manifest = r.Properties.Manifest;
    const text =
      typeof manifest === 'string'
        ? manifest
        : (manifest['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : '<token>')).join('');
    return JSON.parse(text) as Obj[];
  });
}
const applied = (name: string, kind: string) => appliedObjects(name).filter((o) => o.kind === kind);
const gatewayConfigOf = (name: string) =>
  (layerFiles(synthesizedStage(name), 'llm-gateway/gateway-config.json') as Obj[])[0];

describe('scale to zero and back', () => {
  test('staging can reach zero pods and zero GPU nodes, and wakes on the demand the gateway records', () => {
    const [scaled] = applied('Staging', 'ScaledObject');
    expect(scaled.spec).toMatchObject({ minReplicaCount: 0, maxReplicaCount: 2 });
    const demand = scaled.spec.triggers.find((t: Obj) => t.type === 'redis');
    // The trigger reads the list the gateway writes for this very deployment id...
    expect(demand.metadata.listName).toBe(servingDemandKey('vllm-llama-8b'));
    expect(demand.metadata.enableTLS).toBe('true');
    expect(demand.authenticationRef).toEqual({ name: 'gateway-redis' });
    // ...and the deployed gateway knows that deployment scales to zero, with hosted models after it.
    const config = gatewayConfigOf('Staging');
    expect(config.deployments['vllm-llama-8b'].wakeOnDemand).toBe(true);
    expect(config.models.local.deployments).toEqual(['vllm-llama-8b', ...config.models['chat-default'].deployments]);
    // The GPU nodes follow: an empty group that the autoscaler can grow from its tags.
    const gpu = Object.values(templateOf('Staging').findResources('AWS::EKS::Nodegroup'))
      .map((r) => r.Properties)
      .filter((p) => p.AmiType === 'AL2023_x86_64_NVIDIA');
    expect(gpu).toHaveLength(1);
    expect(gpu[0].ScalingConfig.MinSize).toBe(0);
    expect(gpu[0].Tags).toMatchObject({
      'k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu': '1',
      'k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu': 'true:NoSchedule',
      'k8s.io/cluster-autoscaler/node-template/label/llm-platform/node-group': 'l4',
    });
  });

  test('prod keeps its floor: replicas and GPU nodes stay up, and its Triton starts offline from the bucket', () => {
    const floors = Object.fromEntries(
      applied('Prod', 'ScaledObject').map((o) => [o.metadata.name, o.spec.minReplicaCount]),
    );
    expect(floors).toEqual({ 'llama-8b': 2, 'triton-llama-8b': 1 });
    const config = gatewayConfigOf('Prod');
    expect(config.deployments['vllm-llama-8b'].wakeOnDemand).toBeUndefined();
    const triton = applied('Prod', 'Deployment').find((d) => d.metadata.name === 'triton-llama-8b')!;
    const container = triton.spec.template.spec.containers[0];
    expect(container.command[container.command.indexOf('--tokenizer') + 1]).toBe(
      '/models/tokenizers/llama-3.1-8b-instruct',
    );
    expect(container.env).toContainEqual({ name: 'HF_HUB_OFFLINE', value: '1' });
    expect(JSON.stringify(triton)).not.toContain('meta-llama/');
  });

  test('every replica in every environment mounts the model bucket read-only and copies nothing at start', () => {
    for (const name of ['Staging', 'Prod']) {
      for (const deployment of applied(name, 'Deployment')) {
        const spec = deployment.spec.template.spec;
        expect(spec.initContainers).toBeUndefined();
        expect(spec.volumes.find((v: Obj) => v.persistentVolumeClaim)).toEqual({
          name: 'models',
          persistentVolumeClaim: { claimName: 'model-bucket', readOnly: true },
        });
      }
      const [volume] = applied(name, 'PersistentVolume');
      expect(volume.spec).toMatchObject({ accessModes: ['ReadOnlyMany'], csi: { driver: 's3.csi.aws.com' } });
      expect(volume.spec.mountOptions).toContain('read-only');
    }
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
