import { GPU_NODE_LABEL, NODE_GROUP_LABEL } from './cluster-addons';
import type { GpuNodePoolProps, ModelServingClusterProps } from './cluster-props';
import { GPU_TAINT } from './gpu-node-groups';
import { gpuCountsOfFamily } from './gpu-instances';

/** The NodeClass EKS Auto Mode provisions with its built-in node pools: its AMI carries the NVIDIA drivers. */
export const AUTO_MODE_NODE_CLASS = { group: 'eks.amazonaws.com', kind: 'NodeClass', name: 'default' } as const;
/** Auto Mode's well-known node labels the GPU pools select instances by. */
export const AUTO_MODE_LABELS = {
  gpuManufacturer: 'eks.amazonaws.com/instance-gpu-manufacturer',
  gpuCount: 'eks.amazonaws.com/instance-gpu-count',
  instanceFamily: 'eks.amazonaws.com/instance-family',
  capacityType: 'karpenter.sh/capacity-type',
  arch: 'kubernetes.io/arch',
} as const;

const DEFAULT_FAMILIES = ['g6', 'g5'];
const DEFAULT_CONSOLIDATE_AFTER = '10m';

/** A NodePool's name: its own prefix, so it can never collide with the built-in `system` pool. */
export function nodePoolName(pool: string): string {
  return `gpu-${pool}`;
}

/**
 * The `karpenter.sh/v1` NodePool of one Auto Mode GPU pool: NVIDIA instances of the listed families
 * with exactly `gpusPerNode` GPUs, labelled and tainted as the node groups' nodes are (so the same
 * workloads, device selectors and DCGM exporter fit), a GPU limit, and consolidation once empty.
 */
export function gpuNodePoolManifest(pool: GpuNodePoolProps): Record<string, unknown> {
  const gpus = pool.gpusPerNode ?? 1;
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: nodePoolName(pool.name) },
    spec: {
      template: {
        metadata: { labels: { [GPU_NODE_LABEL]: 'true', [NODE_GROUP_LABEL]: pool.name } },
        spec: {
          nodeClassRef: { ...AUTO_MODE_NODE_CLASS },
          requirements: [
            { key: AUTO_MODE_LABELS.gpuManufacturer, operator: 'In', values: ['nvidia'] },
            {
              key: AUTO_MODE_LABELS.instanceFamily,
              operator: 'In',
              values: [...(pool.instanceFamilies ?? DEFAULT_FAMILIES)],
            },
            { key: AUTO_MODE_LABELS.gpuCount, operator: 'In', values: [String(gpus)] },
            { key: AUTO_MODE_LABELS.capacityType, operator: 'In', values: [...(pool.capacityTypes ?? ['on-demand'])] },
            { key: AUTO_MODE_LABELS.arch, operator: 'In', values: ['amd64'] },
          ],
          taints: [{ ...GPU_TAINT }],
        },
      },
      // The ceiling on what this pool may run at once, whatever the autoscalers ask for.
      limits: { 'nvidia.com/gpu': String(pool.maxGpus) },
      // Only empty nodes go: repacking a busy node would restart a model server that takes minutes to warm up.
      disruption: {
        consolidationPolicy: 'WhenEmpty',
        consolidateAfter: pool.consolidateAfter ?? DEFAULT_CONSOLIDATE_AFTER,
      },
    },
  };
}

/** GPUs per node of each Auto Mode pool, after checking the props; throws naming what to change. */
export function checkNodePools(path: string, props: ModelServingClusterProps): Map<string, number> {
  const fail = (message: string): never => {
    throw new Error(`ModelServingCluster ${path}: ${message}`);
  };
  const pools = new Map<string, number>();
  if (props.gpuCapacity !== 'autoMode') {
    if (props.gpuNodePools?.length) {
      fail("gpuNodePools are EKS Auto Mode node pools: set gpuCapacity: 'autoMode', or use gpuNodeGroups");
    }
    return pools;
  }
  if (props.gpuNodeGroups?.length) {
    fail(
      `gpuCapacity is 'autoMode' but gpuNodeGroups lists ${props.gpuNodeGroups.map((g) => g.name).join(', ')}: ` +
        'Auto Mode provisions GPU nodes from gpuNodePools; move each group there, or drop gpuCapacity to keep node groups',
    );
  }
  if (!props.gpuNodePools?.length) fail("gpuCapacity is 'autoMode' but gpuNodePools is empty: add at least one pool");
  for (const pool of props.gpuNodePools ?? []) {
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(pool.name)) {
      fail(
        `GPU node pool name "${pool.name}" must be 1-31 lower-case letters, digits or hyphens, starting with a letter`,
      );
    }
    if (pools.has(pool.name)) fail(`two GPU node pools are named "${pool.name}"; give each its own name`);
    const gpus = pool.gpusPerNode ?? 1;
    if (!Number.isInteger(pool.maxGpus) || pool.maxGpus < gpus) {
      fail(
        `GPU node pool "${pool.name}": maxGpus ${pool.maxGpus} must be a whole number of at least gpusPerNode (${gpus}), ` +
          'or the pool could never start a node; set it to the most GPUs this pool may run at once',
      );
    }
    const families = pool.instanceFamilies ?? DEFAULT_FAMILIES;
    if (families.length === 0) fail(`GPU node pool "${pool.name}" has no instance families`);
    const unfit = families.filter((family) => !gpuCountsOfFamily(family).includes(gpus));
    if (unfit.length > 0) {
      fail(
        `GPU node pool "${pool.name}": no ${unfit.join(', ')} instance has ${gpus} GPUs ` +
          `(${unfit.map((f) => `${f}: ${gpuCountsOfFamily(f).join('/') || 'not a known GPU family'}`).join('; ')}); ` +
          'change gpusPerNode or the instance families',
      );
    }
    if (pool.consolidateAfter !== undefined && !/^(([0-9]+[smh])+|Never)$/.test(pool.consolidateAfter)) {
      fail(
        `GPU node pool "${pool.name}": consolidateAfter "${pool.consolidateAfter}" is not a Karpenter duration; ` +
          "write it like '10m', '1h30m' or 'Never'",
      );
    }
    if (pool.capacityTypes?.length === 0) fail(`GPU node pool "${pool.name}" has no capacity types`);
    pools.set(pool.name, gpus);
  }
  return pools;
}
