import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as eks from 'aws-cdk-lib/aws-eks-v2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IResponseCache } from '../response-cache';
import type { TritonWorkload, VllmWorkload } from './charts';
import type { ServingAddonVersions } from './cluster-addons';

/** One managed node group of GPU instances. */
export interface GpuNodeGroupProps {
  /** Name workloads use to pick this group (`nodeGroup`); also the node label value. */
  readonly name: string;
  /** Instance types, all with the same number of GPUs, e.g. `['g6.xlarge', 'g5.xlarge']`. */
  readonly instanceTypes: readonly string[];
  /** @default eks.CapacityType.ON_DEMAND */
  readonly capacityType?: eks.CapacityType;
  /**
   * Nodes kept however idle. 0 lets an environment pay for no GPU at rest: the Cluster Autoscaler
   * adds a node when a replica is pending, and removes it once no replica needs it.
   * @default 0
   */
  readonly minSize?: number;
  readonly maxSize: number;
  /**
   * GPUs per instance, for types the construct does not know.
   * @default - looked up from the instance type
   */
  readonly gpusPerInstance?: number;
  /**
   * Root volume size: container images of GPU servers are 10-20 GB (the weights stay in S3).
   * @default 100
   */
  readonly diskSizeGiB?: number;
}

/**
 * One EKS Auto Mode GPU node pool (a `karpenter.sh/v1` NodePool on Auto Mode's default NodeClass,
 * whose AMI carries the NVIDIA drivers and device plugin): Auto Mode picks the cheapest fitting
 * instance of the families, starts it when a replica is pending and removes it once empty.
 */
export interface GpuNodePoolProps {
  /** Name workloads use to pick this pool (`nodeGroup`); also the node label value. */
  readonly name: string;
  /** Instance families, e.g. `['g6', 'g5']`. @default ['g6', 'g5'] */
  readonly instanceFamilies?: readonly string[];
  /** GPUs of every node of the pool: the pool asks only for sizes with exactly this many. @default 1 */
  readonly gpusPerNode?: number;
  /** Karpenter capacity types; with both, spot is preferred and on-demand fills in. @default ['on-demand'] */
  readonly capacityTypes?: readonly ('spot' | 'on-demand')[];
  /** The most GPUs the pool may run at once (its NodePool limit), at least `gpusPerNode`. */
  readonly maxGpus: number;
  /** How long a node stays once empty (Karpenter duration). @default '10m' */
  readonly consolidateAfter?: string;
}

/** A Hugging Face token in Secrets Manager, for a model or tokenizer not copied into the model bucket. */
export interface ClusterHuggingFaceToken {
  readonly secret: secretsmanager.ISecret;
  /** The JSON key of the token. @default - the secret's whole value */
  readonly property?: string;
}

type Placed = 'gpusPerNode' | 'nodeSelector' | 'huggingFaceToken' | 'wakeOnDemand';

/** A vLLM workload of the cluster: the chart's options, placed on one of its GPU node groups. */
export interface ClusterVllmWorkload extends Omit<VllmWorkload, Placed> {
  /** The GPU node group (or, with `gpuCapacity: 'autoMode'`, the GPU node pool) it runs on. */
  readonly nodeGroup: string;
  /** @default - none: the weights must be in the model bucket (`modelPrefix`) */
  readonly huggingFaceToken?: ClusterHuggingFaceToken;
}

/** A Triton workload of the cluster, its model repository in the cluster's model bucket. */
export interface ClusterTritonWorkload extends Omit<TritonWorkload, Placed> {
  readonly nodeGroup: string;
  /** @default - none: the tokenizer must be in the model bucket (`tokenizerPrefix`) */
  readonly huggingFaceToken?: ClusterHuggingFaceToken;
}

/** Where the gateway records demand for cold deployments, read by each workload's KEDA trigger. */
export interface ServingDemandSignalProps {
  /** The gateway's cache (its Redis): KEDA reads the demand lists there as the gateway's user. */
  readonly cache: IResponseCache;
  /** The gateway's Redis key prefix. @default 'llmgw:' */
  readonly redisPrefix?: string;
}

export interface ModelServingClusterProps {
  /** The VPC of the cluster. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the nodes, the control plane's network interfaces and the load balancers.
   * @default - the VPC's private subnets with egress
   */
  readonly subnets?: ec2.SubnetSelection;
  /** @default - a name unique to this construct */
  readonly clusterName?: string;
  /** @default eks.KubernetesVersion.V1_33 (the kubectl layer is v1.33) */
  readonly kubernetesVersion?: eks.KubernetesVersion;
  /**
   * The node group for controllers, Prometheus and CoreDNS.
   * @default - two m7i.large nodes (up to four)
   */
  readonly systemNodes?: { readonly instanceType?: string; readonly minSize?: number; readonly maxSize?: number };
  /**
   * Where GPU nodes come from: managed node groups scaled by the Cluster Autoscaler (`gpuNodeGroups`),
   * or EKS Auto Mode node pools (`gpuNodePools`), whose nodes bring their own NVIDIA drivers and device
   * plugin. See the README, "GPU capacity".
   * @default 'nodeGroups'
   */
  readonly gpuCapacity?: 'nodeGroups' | 'autoMode';
  /** GPU node groups; every workload names the one it runs on. @default - none */
  readonly gpuNodeGroups?: readonly GpuNodeGroupProps[];
  /** GPU node pools, with `gpuCapacity: 'autoMode'` only; every workload names the one it runs on. @default - none */
  readonly gpuNodePools?: readonly GpuNodePoolProps[];
  /** @default - none */
  readonly vllm?: readonly ClusterVllmWorkload[];
  /** @default - none */
  readonly triton?: readonly ClusterTritonWorkload[];
  /**
   * The gateway's demand signal: with it, a workload may keep 0 replicas (`autoscaling.minReplicas`)
   * and wakes when the gateway records demand for it.
   * @default - none: every workload keeps at least one replica
   */
  readonly demandSignal?: ServingDemandSignalProps;
  /**
   * IAM role ARNs given cluster-admin access (access entries), e.g. your operators' SSO role.
   * @default - none besides the deployment's own kubectl role
   */
  readonly adminRoleArns?: readonly string[];
  /**
   * Bucket of model weights, tokenizers and Triton model repositories, mounted read-only in every
   * replica.
   * @default - a new KMS-encrypted, versioned, private bucket with access logs
   */
  readonly modelBucket?: s3.IBucket;
  /**
   * Private DNS zone (in the VPC) in which each workload's load balancer gets a name.
   * @default 'model-serving.internal'
   */
  readonly privateDomainName?: string;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly controlPlaneLogRetention?: logs.RetentionDays;
  /** @default DEFAULT_ADDON_VERSIONS */
  readonly addonVersions?: Partial<ServingAddonVersions>;
  /** What happens to the bucket, keys and logs when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}
