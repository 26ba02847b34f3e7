import type { Duration, Size } from 'cdk8s';
import type { PrometheusTrigger } from './keda';
import type { HuggingFaceToken, ServingDemandSignal } from './offline-models';

/** Scaling on the server's own load signals, through a KEDA ScaledObject. */
export interface ServingAutoscalingProps {
  /**
   * Replicas kept however idle. 0 lets the workload (and its GPU nodes) go away when unused; it
   * needs `wakeOnDemand`, the one signal that exists while no server runs.
   * @default 1
   */
  readonly minReplicas?: number;
  /** @default 2 */
  readonly maxReplicas?: number;
  /**
   * Also scale when the replicas' GPUs are busy, read from the DCGM exporter.
   * @default true
   */
  readonly scaleOnGpuUtilization?: boolean;
  /** @default 90 */
  readonly gpuUtilizationTargetPercent?: number;
  /** @default Duration.seconds(15) */
  readonly pollingInterval?: Duration;
  /**
   * How long the load must stay low before a replica is removed.
   * @default Duration.minutes(10)
   */
  readonly scaleDownStabilization?: Duration;
  /**
   * With `minReplicas` 0: how long every trigger must be idle (no queue, no KV cache in use, no GPU
   * work, no recorded demand) before the last replica goes (KEDA's `cooldownPeriod`).
   * @default Duration.minutes(15)
   */
  readonly idleBeforeZero?: Duration;
}

/** An internal (never internet-facing) Network Load Balancer in front of the OpenAI-compatible port. */
export interface InternalLoadBalancerProps {
  /** Security groups of the load balancer: the only way in, so let your callers into these. */
  readonly securityGroupIds: readonly string[];
  /**
   * Subnets of the load balancer.
   * @default - the AWS Load Balancer Controller picks the subnets tagged `kubernetes.io/role/internal-elb`
   */
  readonly subnetIds?: readonly string[];
}

/** What every GPU model server takes, whichever server it is. */
export interface GpuServerOptions {
  /** The workload's name: its Deployment, Services and ScaledObject are named after it. */
  readonly name: string;
  /** The server's container image, pinned by tag or digest. @default - per server */
  readonly image?: string;
  /** GPUs on each node the workload may run on. A replica cannot span nodes. */
  readonly gpusPerNode: number;
  /**
   * Node labels the pods require.
   * @default { 'nvidia.com/gpu.present': 'true' }
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * CPU cores requested per replica.
   * @default 3 per GPU (fits a g5/g6.xlarge)
   */
  readonly cpu?: number;
  /**
   * Memory per replica (request and limit).
   * @default 12 GiB per GPU
   */
  readonly memory?: Size;
  /**
   * Size of the memory-backed `/dev/shm` (NCCL and PyTorch's worker processes share tensors there).
   * @default 2 GiB per GPU
   */
  readonly sharedMemory?: Size;
  /**
   * Local disk for the servers' caches (compiled kernels, CUDA graphs); the weights are read from
   * the shared model bucket mount, never copied here.
   * @default Size.gibibytes(20)
   */
  readonly cacheVolumeSize?: Size;
  /**
   * The longest a replica may take to load its model before Kubernetes restarts it (startup probe).
   * @default Duration.minutes(20)
   */
  readonly startupTimeout?: Duration;
  /** @default - 1 to 2 replicas, scaled on the server's queue and GPU utilisation */
  readonly autoscaling?: ServingAutoscalingProps;
  /** Prometheus that scrapes the servers and the DCGM exporter; KEDA queries it. */
  readonly prometheusServerAddress: string;
  /**
   * Service account the pods run as.
   * @default 'model-server'
   */
  readonly serviceAccountName?: string;
  /**
   * The claim of the shared, read-only mount of the model bucket (see `ServingChartsProps.modelBucket`),
   * mounted at `/models` in every replica.
   * @default - no mount: every model and tokenizer must come from the Hub with `huggingFaceToken`
   */
  readonly modelBucketClaim?: string;
  /**
   * A Hugging Face token, for a model or tokenizer named by its Hub repository rather than copied
   * into the model bucket.
   * @default - none: the pods start offline (`HF_HUB_OFFLINE=1`), from the bucket only
   */
  readonly huggingFaceToken?: HuggingFaceToken;
  /**
   * The signal that wakes the workload from zero replicas (the gateway's recorded demand).
   * @default - none: `autoscaling.minReplicas` must be at least 1
   */
  readonly wakeOnDemand?: ServingDemandSignal;
  /** @default - no load balancer: reachable only inside the cluster through its Service */
  readonly loadBalancer?: InternalLoadBalancerProps;
  /** Extra environment variables of the server container. @default - none */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ContainerPortSpec {
  readonly name: string;
  readonly number: number;
}

/** What one server (vLLM, Triton) adds to the common options. */
export interface GpuServerProps extends GpuServerOptions {
  readonly server: 'vllm' | 'triton';
  /** The namespace of the chart, for the PromQL selectors. */
  readonly namespace: string;
  readonly defaultImage: string;
  readonly gpus: number;
  /** The prop that set `gpus`, for error messages. */
  readonly gpusField: string;
  readonly command?: string[];
  readonly args: string[];
  readonly ports: readonly ContainerPortSpec[];
  /** The port clients (and the load balancer) use: OpenAI-compatible HTTP. */
  readonly servingPort: number;
  readonly healthPath: string;
  readonly healthPort: number;
  readonly metricsPath: string;
  readonly metricsPort: number;
  /** The server's own load signals, given a PromQL label selector that matches its pods. */
  readonly loadTriggers: (selector: string) => PrometheusTrigger[];
  /** Whether any model or tokenizer is fetched from the Hub (then `huggingFaceToken` is set). */
  readonly fromHub: boolean;
}
