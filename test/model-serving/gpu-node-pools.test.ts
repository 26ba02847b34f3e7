import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ModelServingCluster, type ModelServingClusterProps } from '../../constructs/model-serving';
import { unacknowledgedNagErrors } from '../../lib/security/nag-packs';
import { manifestSchemaErrors, type KubernetesObject } from '../support/kubernetes-schemas';
import { testApp } from '../support/platform-app';
import { reasonsNotAdmitted } from './node-pool-admission';

/**
 * `gpuCapacity: 'autoMode'`: GPU nodes come from EKS Auto Mode through Karpenter NodePools instead of
 * managed node groups. What an operator gets: an Auto Mode cluster, one schema-valid NodePool per
 * pool with a GPU limit and consolidation when empty, workloads (and the DCGM exporter) that the
 * pools admit, and no second NVIDIA device plugin.
 */
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function build(props: Partial<ModelServingClusterProps> = {}) {
  const stack = new Stack(testApp(), 'Serving', { env: { region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 1 });
  const serving = new ModelServingCluster(stack, 'ModelServing', {
    vpc,
    gpuCapacity: 'autoMode',
    gpuNodePools: [
      { name: 'l4', instanceFamilies: ['g6', 'g5'], capacityTypes: ['spot', 'on-demand'], maxGpus: 4 },
      { name: 'l4x4', instanceFamilies: ['g6'], gpusPerNode: 4, maxGpus: 8, consolidateAfter: '30m' },
    ],
    vllm: [
      {
        name: 'llama',
        model: 'meta-llama/Llama-3.1-8B-Instruct',
        nodeGroup: 'l4',
        modelPrefix: 'llama-3.1-8b/',
      },
      {
        name: 'qwen',
        model: 'Qwen/Qwen2.5-32B-Instruct-AWQ',
        modelPrefix: 'qwen-2.5-32b-awq/',
        quantization: 'awq',
        tensorParallelSize: 4,
        nodeGroup: 'l4x4',
      },
    ],
    triton: [
      {
        name: 'triton-llama',
        model: 'llama-3.1-8b-instruct',
        tokenizerPrefix: 'tokenizers/llama-3.1-8b-instruct/',
        nodeGroup: 'l4',
        modelRepositoryPrefix: 'triton/',
      },
    ],
    ...props,
  });
  return { stack, serving };
}

const { stack, serving } = build();
const template = Template.fromStack(stack);
const resources = (type: string): Obj[] => Object.values(template.findResources(type));
/** The NodePools as the kubectl provider applies them (the manifest property of the custom resources). */
const nodePools: Obj[] = resources('Custom::AWSCDK-EKS-KubernetesResource')
  .flatMap((r) => (typeof r.Properties.Manifest === 'string' ? JSON.parse(r.Properties.Manifest) : []))
  .filter((o: Obj) => o.kind === 'NodePool');
const pool = (name: string) => nodePools.find((p) => p.metadata.name === `gpu-${name}`)!;
const podSpecs: [string, Obj][] = serving.charts.all
  .flatMap((chart) => chart.toJson() as Obj[])
  .filter((o) => o.kind === 'Deployment')
  .map((d) => [d.metadata.name, d.spec.template.spec]);
const podSpec = (name: string) => podSpecs.find(([n]) => n === name)![1];

describe('the cluster in Auto Mode', () => {
  test('enables Auto Mode compute, block storage and load balancing with only the built-in system pool', () => {
    const cluster = resources('AWS::EKS::Cluster')[0].Properties;
    expect(cluster.ComputeConfig).toEqual(expect.objectContaining({ Enabled: true, NodePools: ['system'] }));
    // The default NodeClass the GPU pools reference needs a node role (EKS creates it with a built-in pool).
    expect(cluster.ComputeConfig.NodeRoleArn).toBeDefined();
    expect(cluster.StorageConfig).toEqual({ BlockStorage: { Enabled: true } });
    expect(cluster.KubernetesNetworkConfig.ElasticLoadBalancing).toEqual({ Enabled: true });
  });

  test('gives the managed system node group the networking and DNS add-ons Auto Mode does not bootstrap', () => {
    const addons = template.findResources('AWS::EKS::Addon');
    const idOf = (name: string) => Object.keys(addons).find((id) => addons[id].Properties.AddonName === name)!;
    expect(Object.values(addons).map((a) => a.Properties.AddonName)).toEqual(
      expect.arrayContaining(['vpc-cni', 'kube-proxy', 'coredns']),
    );
    const groups = template.findResources('AWS::EKS::Nodegroup');
    const [systemId] = Object.keys(groups);
    expect(groups[systemId].DependsOn).toEqual(expect.arrayContaining([idOf('vpc-cni'), idOf('kube-proxy')]));
    expect(addons[idOf('coredns')].DependsOn).toEqual(expect.arrayContaining([systemId]));
  });

  test('has no GPU node group: the only managed group is the system one', () => {
    const groups = resources('AWS::EKS::Nodegroup').map((r) => r.Properties);
    expect(groups).toHaveLength(1);
    expect(groups[0].AmiType).toBe('AL2023_x86_64_STANDARD');
    expect(serving.gpuNodeGroups).toEqual({});
    expect(Object.keys(serving.gpuNodePools).sort()).toEqual(['l4', 'l4x4']);
  });

  test("has no unacknowledged cdk-nag finding (Auto Mode's managed policies acknowledged with why)", () => {
    const fresh = build().stack;
    expect(unacknowledgedNagErrors(fresh).filter((f) => f.includes('/ModelServing/'))).toEqual([]);
  });

  test('installs no NVIDIA device plugin (Auto Mode nodes run their own), and the other add-ons as with node groups', () => {
    const charts = resources('Custom::AWSCDK-EKS-HelmChart').map((r) => r.Properties.Chart);
    expect(charts).not.toContain('nvidia-device-plugin');
    expect(charts).toEqual(
      expect.arrayContaining(['dcgm-exporter', 'prometheus', 'keda', 'aws-load-balancer-controller']),
    );
  });
});

describe('the GPU NodePools', () => {
  test('one per pool, valid against the karpenter.sh/v1 NodePool schema', () => {
    expect(nodePools.map((p) => p.metadata.name).sort()).toEqual(['gpu-l4', 'gpu-l4x4']);
    expect(manifestSchemaErrors(nodePools as KubernetesObject[])).toEqual([]);
  });

  test('the schema check catches a malformed NodePool', () => {
    const broken = structuredClone(pool('l4'));
    delete broken.spec.template.spec.nodeClassRef;
    broken.spec.disruption.consolidationPolicy = 'WhenIdle';
    const errors = manifestSchemaErrors([broken]);
    expect(errors.join('\n')).toMatch(/nodeClassRef/);
    expect(errors.join('\n')).toMatch(/consolidationPolicy/);
  });

  test("Auto Mode's default NodeClass, NVIDIA instances of the families with exactly the pool's GPU count", () => {
    const l4 = pool('l4').spec.template.spec;
    expect(l4.nodeClassRef).toEqual({ group: 'eks.amazonaws.com', kind: 'NodeClass', name: 'default' });
    expect(l4.requirements).toEqual(
      expect.arrayContaining([
        { key: 'eks.amazonaws.com/instance-gpu-manufacturer', operator: 'In', values: ['nvidia'] },
        { key: 'eks.amazonaws.com/instance-family', operator: 'In', values: ['g6', 'g5'] },
        { key: 'eks.amazonaws.com/instance-gpu-count', operator: 'In', values: ['1'] },
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot', 'on-demand'] },
      ]),
    );
    expect(pool('l4x4').spec.template.spec.requirements).toEqual(
      expect.arrayContaining([
        { key: 'eks.amazonaws.com/instance-gpu-count', operator: 'In', values: ['4'] },
        // On-demand unless spot is asked for.
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
      ]),
    );
  });

  test('GPU nodes are tainted and labelled as the node groups label them', () => {
    for (const p of nodePools) {
      expect(p.spec.template.spec.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }]);
      expect(p.spec.template.metadata.labels['nvidia.com/gpu.present']).toBe('true');
    }
    expect(pool('l4').spec.template.metadata.labels['llm-platform/node-group']).toBe('l4');
  });

  test('a GPU limit so a pool cannot run away, and empty nodes go (scale to zero)', () => {
    expect(pool('l4').spec.limits).toEqual({ 'nvidia.com/gpu': '4' });
    expect(pool('l4x4').spec.limits).toEqual({ 'nvidia.com/gpu': '8' });
    expect(pool('l4').spec.disruption).toEqual({ consolidationPolicy: 'WhenEmpty', consolidateAfter: '10m' });
    expect(pool('l4x4').spec.disruption).toEqual({ consolidationPolicy: 'WhenEmpty', consolidateAfter: '30m' });
  });
});

describe('the workloads fit their pool, and only it', () => {
  test.each([
    ['llama', 'l4', 'l4x4'],
    ['qwen', 'l4x4', 'l4'],
    ['triton-llama', 'l4', 'l4x4'],
  ])('%s is admitted by pool %s and not by %s', (workload, own, other) => {
    expect(reasonsNotAdmitted(podSpec(workload), pool(own))).toEqual([]);
    expect(reasonsNotAdmitted(podSpec(workload), pool(other))).not.toEqual([]);
  });

  test('the check refuses a pod without the GPU toleration, or wider than the nodes', () => {
    const untolerant = { ...podSpec('llama'), tolerations: [] };
    expect(reasonsNotAdmitted(untolerant, pool('l4'))).toEqual([
      'does not tolerate the taint nvidia.com/gpu=true:NoSchedule',
    ]);
    const qwenOnL4 = { ...podSpec('qwen'), nodeSelector: { 'llm-platform/node-group': 'l4' } };
    expect(reasonsNotAdmitted(qwenOnL4, pool('l4'))).toEqual(["asks for 4 GPUs; the pool's nodes have 1"]);
  });

  test("the DCGM exporter's pods fit every GPU pool (GPU metrics for KEDA)", () => {
    const dcgm = resources('Custom::AWSCDK-EKS-HelmChart').find((r) => r.Properties.Chart === 'dcgm-exporter')!;
    const values = JSON.parse(dcgm.Properties.Values);
    for (const p of nodePools) {
      expect(reasonsNotAdmitted({ affinity: values.affinity, tolerations: values.tolerations }, p)).toEqual([]);
    }
  });
});

describe('misconfigurations are refused at synth, saying what to do', () => {
  test.each<[string, Partial<ModelServingClusterProps>, RegExp]>([
    [
      'Auto Mode with a GPU node group list',
      { gpuNodeGroups: [{ name: 'l4', instanceTypes: ['g6.xlarge'], maxSize: 2 }] },
      /gpuCapacity is 'autoMode' but gpuNodeGroups lists l4: Auto Mode provisions GPU nodes from gpuNodePools; move each group there, or drop gpuCapacity/,
    ],
    [
      'node pools without Auto Mode',
      { gpuCapacity: 'nodeGroups', gpuNodeGroups: [{ name: 'l4', instanceTypes: ['g6.xlarge'], maxSize: 2 }] },
      /gpuNodePools are EKS Auto Mode node pools: set gpuCapacity: 'autoMode', or use gpuNodeGroups/,
    ],
    [
      'a zero GPU limit',
      { gpuNodePools: [{ name: 'l4', maxGpus: 0 }], vllm: [], triton: [] },
      /GPU node pool "l4": maxGpus 0 must be a whole number of at least gpusPerNode \(1\), or the pool could never start a node/,
    ],
    [
      'a limit below one node',
      { gpuNodePools: [{ name: 'x4', gpusPerNode: 4, instanceFamilies: ['g6'], maxGpus: 2 }], vllm: [], triton: [] },
      /maxGpus 2 must be a whole number of at least gpusPerNode \(4\)/,
    ],
    [
      'families without that GPU count',
      {
        gpuNodePools: [{ name: 'x2', gpusPerNode: 2, instanceFamilies: ['g6', 'm7i'], maxGpus: 4 }],
        vllm: [],
        triton: [],
      },
      /GPU node pool "x2": no g6, m7i instance has 2 GPUs \(g6: 1\/4\/8; m7i: not a known GPU family\); change gpusPerNode or the instance families/,
    ],
    [
      'a consolidation delay Karpenter cannot read',
      { gpuNodePools: [{ name: 'l4', maxGpus: 2, consolidateAfter: '10 minutes' }], vllm: [], triton: [] },
      /consolidateAfter "10 minutes" is not a Karpenter duration; write it like '10m', '1h30m' or 'Never'/,
    ],
    [
      'Auto Mode with no pool',
      { gpuNodePools: [], vllm: [], triton: [] },
      /gpuCapacity is 'autoMode' but gpuNodePools is empty: add at least one pool/,
    ],
    [
      'a workload on a pool that does not exist',
      { vllm: [{ name: 'x', model: 'm', nodeGroup: 'h100' }], triton: [] },
      /workload "x" runs on node group "h100", which does not exist; known: l4, l4x4/,
    ],
    [
      "a replica wider than its pool's nodes",
      { vllm: [{ name: 'big', model: 'm', modelPrefix: 'big/', tensorParallelSize: 4, nodeGroup: 'l4' }], triton: [] },
      /"big": tensorParallelSize is 4 but the nodes it runs on have 1 GPUs each/,
    ],
  ])('%s', (_case, props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});
