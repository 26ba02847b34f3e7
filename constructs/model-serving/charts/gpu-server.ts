import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { scaledObject, type PrometheusTrigger } from './keda';
import { checkInteger, checkName, ServingPropsError } from './validate';

/** Where a replica's weights (vLLM) or model repository (Triton) come from: copied from S3 at start. */
export interface S3ModelSource {
  /** The bucket holding the files. */
  readonly bucketName: string;
  /** Key prefix of the model's folder, without a leading slash, e.g. `llama-3.1-8b-awq/`. */
  readonly prefix: string;
  /** The bucket's region (pods have no instance metadata to discover it: IMDS hop limit 1). */
  readonly region: string;
}

/** Scaling on the server's own load signals, through a KEDA ScaledObject. */
export interface ServingAutoscalingProps {
  /**
   * Replicas kept however idle. At least 1: the triggers read the servers' own metrics, so with no
   * replica there is no signal to scale up from.
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
   * Local disk for the model files copied from S3, and caches.
   * @default Size.gibibytes(100)
   */
  readonly modelVolumeSize?: Size;
  /**
   * The longest a replica may take to load its model before Kubernetes restarts it (startup probe).
   * @default Duration.minutes(30)
   */
  readonly startupTimeout?: Duration;
  /** @default - 1 to 2 replicas, scaled on the server's queue and GPU utilisation */
  readonly autoscaling?: ServingAutoscalingProps;
  /** Prometheus that scrapes the servers and the DCGM exporter; KEDA queries it. */
  readonly prometheusServerAddress: string;
  /**
   * Service account the pods run as (with read access to the model bucket, e.g. through EKS Pod Identity).
   * @default 'model-server'
   */
  readonly serviceAccountName?: string;
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
  /** Copied into `modelDirectory` by an init container before the server starts. */
  readonly modelSource?: S3ModelSource;
  readonly modelDirectory: string;
}

/** The server runs as this non-root user; the cache and model volumes are writable by its group. */
export const SERVER_UID = 1000;
const AWS_CLI_IMAGE = 'public.ecr.aws/aws-cli/aws-cli:2.27.50';
const CACHE_DIR = '/cache';
const PROBE_PERIOD_SECONDS = 10;

/**
 * One GPU model server: Deployment, internal Service, optional internal load balancer,
 * PodDisruptionBudget and KEDA ScaledObject. The charts of each server build on it.
 */
export class GpuServer extends Construct {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;
  readonly loadBalancerService?: ApiObject;
  readonly scaledObject: ApiObject;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** The longest a replica may take to load its model: what delivery tools should wait for. */
  readonly startupTimeoutSeconds: number;

  constructor(scope: Construct, id: string, props: GpuServerProps) {
    super(scope, id);
    const { name, gpus } = props;
    checkName(name, 'name', name);
    checkInteger(name, 'gpusPerNode', props.gpusPerNode, 1, 16);
    if (gpus > props.gpusPerNode) {
      throw new ServingPropsError(
        name,
        `${props.gpusField} is ${gpus} but the nodes it runs on have ${props.gpusPerNode} GPUs each, and a replica cannot span nodes: ` +
          `use a ${props.gpusField} of at most ${props.gpusPerNode}, or run it on a node group with larger instances`,
      );
    }
    const scaling = props.autoscaling ?? {};
    this.minReplicas = scaling.minReplicas ?? 1;
    this.maxReplicas = scaling.maxReplicas ?? Math.max(2, this.minReplicas);
    checkInteger(name, 'autoscaling.minReplicas', this.minReplicas, 1);
    checkInteger(name, 'autoscaling.maxReplicas', this.maxReplicas, 1);
    if (this.minReplicas > this.maxReplicas) {
      throw new ServingPropsError(
        name,
        `autoscaling.minReplicas (${this.minReplicas}) is greater than autoscaling.maxReplicas (${this.maxReplicas}); make min <= max`,
      );
    }
    const gpuTarget = scaling.gpuUtilizationTargetPercent ?? 90;
    checkInteger(name, 'autoscaling.gpuUtilizationTargetPercent', gpuTarget, 1, 100);
    const startupTimeout = props.startupTimeout ?? Duration.minutes(30);
    const startupSeconds = startupTimeout.toSeconds();
    this.startupTimeoutSeconds = startupSeconds;
    if (startupSeconds < 60) {
      throw new ServingPropsError(
        name,
        `startupTimeout is ${startupSeconds} s; a model server needs at least a minute to load`,
      );
    }

    const cpu = props.cpu ?? 3 * gpus;
    const memory = props.memory ?? Size.gibibytes(12 * gpus);
    const sharedMemory = props.sharedMemory ?? Size.gibibytes(2 * gpus);
    const modelVolumeSize = props.modelVolumeSize ?? Size.gibibytes(100);

    const shm = kplus.Volume.fromEmptyDir(this, 'Shm', 'dshm', {
      medium: kplus.EmptyDirMedium.MEMORY,
      sizeLimit: sharedMemory,
    });
    const models = kplus.Volume.fromEmptyDir(this, 'Models', 'models', { sizeLimit: modelVolumeSize });
    const cache = kplus.Volume.fromEmptyDir(this, 'Cache', 'cache', { sizeLimit: Size.gibibytes(20) });

    const labels = {
      'app.kubernetes.io/name': props.server,
      'app.kubernetes.io/instance': name,
      'app.kubernetes.io/component': 'model-server',
      'app.kubernetes.io/part-of': 'llm-platform',
    };
    const serviceAccount = kplus.ServiceAccount.fromServiceAccountName(
      this,
      'ServiceAccount',
      props.serviceAccountName ?? 'model-server',
    );
    const nonRoot: kplus.ContainerSecurityContextProps = {
      ensureNonRoot: true,
      user: SERVER_UID,
      group: SERVER_UID,
      allowPrivilegeEscalation: false,
      privileged: false,
      // The servers write to paths across their images (Python caches, compiled kernels), so the
      // root filesystem stays writable; everything else of the restricted profile applies.
      readOnlyRootFilesystem: false,
      capabilities: { drop: [kplus.Capability.ALL] },
      seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
    };

    const env: Record<string, kplus.EnvValue> = {
      HOME: kplus.EnvValue.fromValue(CACHE_DIR),
      XDG_CACHE_HOME: kplus.EnvValue.fromValue(CACHE_DIR),
      HF_HOME: kplus.EnvValue.fromValue(`${CACHE_DIR}/huggingface`),
    };
    for (const [key, value] of Object.entries(props.env ?? {})) env[key] = kplus.EnvValue.fromValue(value);

    const initContainers: kplus.ContainerProps[] = [];
    if (props.modelSource) {
      const { bucketName, prefix, region } = props.modelSource;
      const from = `s3://${bucketName}/${prefix.replace(/^\/+/, '')}`;
      initContainers.push({
        name: 'fetch-model',
        image: AWS_CLI_IMAGE,
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        command: ['aws', 's3', 'sync', '--only-show-errors', '--no-progress', from, props.modelDirectory],
        envVariables: {
          AWS_REGION: kplus.EnvValue.fromValue(region),
          HOME: kplus.EnvValue.fromValue(CACHE_DIR),
        },
        securityContext: { ...nonRoot, readOnlyRootFilesystem: true },
        resources: {
          cpu: { request: kplus.Cpu.units(1), limit: kplus.Cpu.units(2) },
          memory: { request: Size.gibibytes(1), limit: Size.gibibytes(2) },
        },
        volumeMounts: [
          { volume: models, path: '/models' },
          { volume: cache, path: CACHE_DIR },
        ],
      });
    }

    const probe = (failureThreshold: number, periodSeconds = PROBE_PERIOD_SECONDS) =>
      kplus.Probe.fromHttpGet(props.healthPath, {
        port: props.healthPort,
        periodSeconds: Duration.seconds(periodSeconds),
        timeoutSeconds: Duration.seconds(5),
        failureThreshold,
      });

    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: { name, labels },
      podMetadata: {
        labels,
        annotations: {
          'prometheus.io/scrape': 'true',
          'prometheus.io/port': String(props.metricsPort),
          'prometheus.io/path': props.metricsPath,
        },
      },
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true, user: SERVER_UID, group: SERVER_UID, fsGroup: SERVER_UID },
      // Long enough to finish streaming answers after the load balancer stops sending new requests.
      terminationGracePeriod: Duration.seconds(120),
      // A surge replica needs a whole free GPU node; replace one replica at a time instead.
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      // A rollout waits for a model load; do not call it stuck before the startup probe would.
      progressDeadline: Duration.seconds(Math.max(600, startupSeconds + 300)),
      initContainers,
      containers: [
        {
          name: props.server,
          image: props.image ?? props.defaultImage,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          command: props.command,
          args: props.args,
          ports: props.ports.map((port) => ({ name: port.name, number: port.number })),
          envVariables: env,
          securityContext: nonRoot,
          resources: {
            cpu: { request: kplus.Cpu.units(cpu) },
            memory: { request: memory, limit: memory },
            ephemeralStorage: { request: modelVolumeSize },
          },
          volumeMounts: [
            { volume: shm, path: '/dev/shm' },
            { volume: models, path: '/models' },
            { volume: cache, path: CACHE_DIR },
          ],
          // Until the model is loaded the server does not answer; give it startupTimeout to do so.
          startup: probe(Math.ceil(startupSeconds / PROBE_PERIOD_SECONDS)),
          readiness: probe(3),
          liveness: probe(6, 20),
          lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', '15']) },
        },
      ],
    });
    this.deployment.scheduling.tolerate(
      kplus.Node.tainted(kplus.NodeTaintQuery.exists('nvidia.com/gpu', { effect: kplus.TaintEffect.NO_SCHEDULE })),
    );

    const apiObject = ApiObject.of(this.deployment);
    // The ScaledObject owns the replica count; a fixed count here would reset it on every apply.
    apiObject.addJsonPatch(JsonPatch.remove('/spec/replicas'));
    // Resource quantities go through cdk8s' Quantity type; a plain string here would be dropped.
    const gpuQuantity = kplus.k8s.Quantity.fromString(String(gpus));
    apiObject.addJsonPatch(
      JsonPatch.add('/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu', gpuQuantity),
      JsonPatch.add('/spec/template/spec/containers/0/resources/requests/nvidia.com~1gpu', gpuQuantity),
      JsonPatch.add('/spec/template/spec/nodeSelector', {
        ...(props.nodeSelector ?? { 'nvidia.com/gpu.present': 'true' }),
      }),
      // Spread replicas across zones when there is room: losing a zone keeps the others serving.
      JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: { 'app.kubernetes.io/instance': name } },
        },
      ]),
    );

    const servicePorts = props.ports.map((port) => ({ name: port.name, port: port.number, targetPort: port.number }));
    this.service = new kplus.Service(this, 'Service', {
      metadata: { name, labels },
      type: kplus.ServiceType.CLUSTER_IP,
      selector: this.deployment,
      ports: servicePorts,
    });

    if (props.loadBalancer) {
      this.loadBalancerService = this.internalLoadBalancer(
        name,
        labels,
        props.servingPort,
        props.healthPath,
        props.loadBalancer,
      );
    }

    new ApiObject(this, 'DisruptionBudget', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name, labels },
      spec: {
        // Drains and scale-downs take one replica at a time; a replica that never became ready
        // (a model that fails to load) does not block a drain.
        maxUnavailable: 1,
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
        selector: { matchLabels: { 'app.kubernetes.io/instance': name } },
      },
    });

    // Pod names are `<deployment>-<replicaset hash>-<suffix>`: this matches this workload's pods only,
    // not those of a workload whose name merely starts the same.
    const podSelector = `namespace="${props.namespace}",pod=~"${name}-[a-z0-9]+-[a-z0-9]+"`;
    const triggers = props.loadTriggers(podSelector);
    if (scaling.scaleOnGpuUtilization ?? true) {
      triggers.push({
        name: 'gpu-utilization',
        query: `avg(DCGM_FI_DEV_GPU_UTIL{${podSelector}})`,
        threshold: gpuTarget,
        metricType: 'Value',
      });
    }
    this.scaledObject = scaledObject(this, 'ScaledObject', {
      name,
      deploymentName: name,
      minReplicas: this.minReplicas,
      maxReplicas: this.maxReplicas,
      prometheusServerAddress: props.prometheusServerAddress,
      triggers,
      pollingIntervalSeconds: (scaling.pollingInterval ?? Duration.seconds(15)).toSeconds(),
      scaleDownStabilizationSeconds: (scaling.scaleDownStabilization ?? Duration.minutes(10)).toSeconds(),
    });
  }

  private internalLoadBalancer(
    name: string,
    labels: Record<string, string>,
    port: number,
    healthPath: string,
    lb: InternalLoadBalancerProps,
  ): ApiObject {
    if (lb.securityGroupIds.length === 0) {
      throw new ServingPropsError(
        name,
        'loadBalancer.securityGroupIds is empty; give the security group that admits the gateway, so that nothing else can connect',
      );
    }
    const annotations: Record<string, string> = {
      // Handled by the AWS Load Balancer Controller as an NLB with pod (IP) targets.
      'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
      'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
      'service.beta.kubernetes.io/aws-load-balancer-security-groups': lb.securityGroupIds.join(','),
      'service.beta.kubernetes.io/aws-load-balancer-manage-backend-security-group-rules': 'true',
      'service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled': 'true',
      'service.beta.kubernetes.io/aws-load-balancer-healthcheck-path': healthPath,
      'service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol': 'http',
    };
    if (lb.subnetIds?.length) {
      annotations['service.beta.kubernetes.io/aws-load-balancer-subnets'] = lb.subnetIds.join(',');
    }
    return new ApiObject(this, 'LoadBalancer', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${name}-internal`, labels, annotations },
      spec: {
        type: 'LoadBalancer',
        loadBalancerClass: 'service.k8s.aws/nlb',
        selector: { 'app.kubernetes.io/instance': name },
        ports: [{ name: 'openai', port, targetPort: port, protocol: 'TCP' }],
      },
    });
  }
}
