import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import type { Construct } from 'constructs';
import { GPU_NODE_LABEL, NODE_GROUP_LABEL } from './cluster-addons';
import type { GpuNodeGroupProps, ModelServingClusterProps } from './cluster-props';
import { gpusOfInstanceType } from './gpu-instances';

/** The taint of every GPU node: only pods that ask for GPUs (and tolerate it) land there. */
export const GPU_TAINT = { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' } as const;
const NODE_TEMPLATE = 'k8s.io/cluster-autoscaler/node-template';

/**
 * The Cluster Autoscaler's node-template tags of a group: what a node of an empty group would
 * offer (GPUs), carry (labels) and repel (the taint), so that a pending replica can scale the group
 * up from zero. The autoscaler also reads a managed group's labels and taints through
 * `eks:DescribeNodegroup` (its role may): these tags say the same, and add the GPU count.
 */
export function nodeTemplateTags(labels: Record<string, string>, gpus: number): Record<string, string> {
  const tags: Record<string, string> = {
    [`${NODE_TEMPLATE}/resources/nvidia.com/gpu`]: String(gpus),
    [`${NODE_TEMPLATE}/taint/${GPU_TAINT.key}`]: `${GPU_TAINT.value}:${GPU_TAINT.effect}`,
  };
  for (const [key, value] of Object.entries(labels)) tags[`${NODE_TEMPLATE}/label/${key}`] = value;
  return tags;
}

/** A launch template: IMDSv2 with one hop (pods cannot borrow the node's role), encrypted gp3 root. */
export function nodeLaunchTemplate(scope: Construct, id: string, diskSizeGiB: number): eks.LaunchTemplateSpec {
  const template = new ec2.LaunchTemplate(scope, id, {
    requireImdsv2: true,
    httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
    httpPutResponseHopLimit: 1,
    httpEndpoint: true,
    // One-minute EC2 metrics, at the resolution of the autoscalers' decisions about these nodes.
    detailedMonitoring: true,
    blockDevices: [
      {
        deviceName: '/dev/xvda',
        volume: ec2.BlockDeviceVolume.ebs(diskSizeGiB, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
      },
    ],
  });
  return { id: template.launchTemplateId!, version: template.latestVersionNumber };
}

/** One managed GPU node group, from zero by default, with its autoscaler tags. */
export function addGpuNodeGroup(
  scope: Construct,
  cluster: eks.Cluster,
  group: GpuNodeGroupProps & { readonly gpus: number },
  subnets: ec2.SubnetSelection,
): eks.Nodegroup {
  const labels = { [GPU_NODE_LABEL]: 'true', [NODE_GROUP_LABEL]: group.name };
  return cluster.addNodegroupCapacity(`Gpu-${group.name}`, {
    instanceTypes: group.instanceTypes.map((type) => new ec2.InstanceType(type)),
    // The AL2023 AMI with NVIDIA drivers and container toolkit, named explicitly: left alone,
    // the module would pick the AL2 GPU AMI.
    amiType: eks.NodegroupAmiType.AL2023_X86_64_NVIDIA,
    capacityType: group.capacityType ?? eks.CapacityType.ON_DEMAND,
    minSize: group.minSize ?? 0,
    maxSize: group.maxSize,
    desiredSize: group.minSize ?? 0,
    subnets,
    labels,
    taints: [{ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: eks.TaintEffect.NO_SCHEDULE }],
    tags: nodeTemplateTags(labels, group.gpus),
    launchTemplateSpec: nodeLaunchTemplate(scope, `GpuLaunchTemplate-${group.name}`, group.diskSizeGiB ?? 100),
  });
}

/** GPUs per node of each group, after checking the groups' props; throws naming what to change. */
export function checkNodeGroups(path: string, props: ModelServingClusterProps): Map<string, number> {
  const groups = new Map<string, number>();
  const fail = (message: string): never => {
    throw new Error(`ModelServingCluster ${path}: ${message}`);
  };
  for (const group of props.gpuNodeGroups ?? []) {
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(group.name)) {
      fail(
        `GPU node group name "${group.name}" must be 1-31 lower-case letters, digits or hyphens, starting with a letter`,
      );
    }
    if (groups.has(group.name)) fail(`two GPU node groups are named "${group.name}"; give each its own name`);
    if (group.instanceTypes.length === 0) fail(`GPU node group "${group.name}" has no instance types`);
    const counts = group.instanceTypes.map((type) => group.gpusPerInstance ?? gpusOfInstanceType(type));
    const unknown = group.instanceTypes.filter((_t, i) => counts[i] === undefined);
    if (unknown.length > 0) {
      fail(
        `GPU node group "${group.name}": ${unknown.join(', ')} ${unknown.length > 1 ? 'are not GPU instance types' : 'is not a GPU instance type'} ` +
          'this construct knows; set gpusPerInstance if it is one',
      );
    }
    if (new Set(counts).size > 1) {
      const each = group.instanceTypes.map((t, i) => `${t}: ${counts[i]}`).join(', ');
      fail(
        `GPU node group "${group.name}" mixes instance types with different GPU counts (${each}); ` +
          "the autoscaler and the workloads' placement need one count per group",
      );
    }
    const minSize = group.minSize ?? 0;
    const sizes = [minSize, group.maxSize];
    if (!sizes.every(Number.isInteger) || minSize < 0 || group.maxSize < Math.max(1, minSize)) {
      fail(
        `GPU node group "${group.name}": minSize ${minSize} and maxSize ${group.maxSize} must be whole numbers with 0 <= min <= max and max >= 1`,
      );
    }
    groups.set(group.name, counts[0]!);
  }
  return groups;
}
