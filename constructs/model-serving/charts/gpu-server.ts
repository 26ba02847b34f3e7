import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { scaledObject } from './keda';
import { internalLoadBalancer } from './load-balancer';
import { hubEnvironment, hubTokenExternalSecret, MODEL_MOUNT_PATH } from './offline-models';
import type { GpuServerProps } from './server-props';
import { checkInteger, checkName, ServingPropsError } from './validate';

export * from './server-props';

/** The server runs as this non-root user; the cache volume is writable by its group. */
export const SERVER_UID = 1000;
const CACHE_DIR = '/cache';
const PROBE_PERIOD_SECONDS = 10;

/** The checked numbers of one workload, defaults applied. */
interface Sizing {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly gpuTarget: number;
  readonly startupSeconds: number;
}

/**
 * One GPU model server: Deployment, internal Service, optional internal load balancer,
 * PodDisruptionBudget and KEDA ScaledObject. The charts of each server build on it. Its weights are
 * read from the shared read-only mount of the model bucket: a new replica copies nothing.
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
    const sizing = checkSizing(props);
    this.minReplicas = sizing.minReplicas;
    this.maxReplicas = sizing.maxReplicas;
    this.startupTimeoutSeconds = sizing.startupSeconds;
    const labels = labelsOf(props);

    this.deployment = this.addDeployment(props, sizing, labels);
    patchDeployment(this.deployment, props);
    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: props.name, labels },
      type: kplus.ServiceType.CLUSTER_IP,
      selector: this.deployment,
      ports: props.ports.map((port) => ({ name: port.name, port: port.number, targetPort: port.number })),
    });
    if (props.loadBalancer) {
      const target = { name: props.name, labels, port: props.servingPort, healthPath: props.healthPath };
      this.loadBalancerService = internalLoadBalancer(this, target, props.loadBalancer);
    }
    disruptionBudget(this, props.name, labels);
    if (props.fromHub && props.huggingFaceToken) hubTokenExternalSecret(this, props.name, props.huggingFaceToken);
    this.scaledObject = this.addScaledObject(props, sizing);
  }

  private addDeployment(props: GpuServerProps, sizing: Sizing, labels: Record<string, string>): kplus.Deployment {
    const gpus = props.gpus;
    const cpu = props.cpu ?? 3 * gpus;
    const memory = props.memory ?? Size.gibibytes(12 * gpus);
    const cacheSize = props.cacheVolumeSize ?? Size.gibibytes(20);
    const volumes = this.volumes(props, cacheSize);
    const probe = (failureThreshold: number, periodSeconds = PROBE_PERIOD_SECONDS) =>
      kplus.Probe.fromHttpGet(props.healthPath, {
        port: props.healthPort,
        periodSeconds: Duration.seconds(periodSeconds),
        timeoutSeconds: Duration.seconds(5),
        failureThreshold,
      });
    return new kplus.Deployment(this, 'Deployment', {
      metadata: { name: props.name, labels },
      podMetadata: {
        labels,
        annotations: {
          'prometheus.io/scrape': 'true',
          'prometheus.io/port': String(props.metricsPort),
          'prometheus.io/path': props.metricsPath,
        },
      },
      serviceAccount: kplus.ServiceAccount.fromServiceAccountName(
        this,
        'ServiceAccount',
        props.serviceAccountName ?? 'model-server',
      ),
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
      progressDeadline: Duration.seconds(Math.max(600, sizing.startupSeconds + 300)),
      containers: [
        {
          name: props.server,
          image: props.image ?? props.defaultImage,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          command: props.command,
          args: props.args,
          ports: props.ports.map((port) => ({ name: port.name, number: port.number })),
          envVariables: this.environment(props),
          securityContext: NON_ROOT,
          resources: {
            cpu: { request: kplus.Cpu.units(cpu) },
            memory: { request: memory, limit: memory },
            ephemeralStorage: { request: cacheSize },
          },
          volumeMounts: volumes,
          // Until the model is loaded the server does not answer; give it startupTimeout to do so.
          startup: probe(Math.ceil(sizing.startupSeconds / PROBE_PERIOD_SECONDS)),
          readiness: probe(3),
          liveness: probe(6, 20),
          lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', '15']) },
        },
      ],
    });
  }

  /** `/dev/shm` in memory, a local cache, and the model bucket's shared read-only mount. */
  private volumes(props: GpuServerProps, cacheSize: Size): kplus.VolumeMount[] {
    const shm = kplus.Volume.fromEmptyDir(this, 'Shm', 'dshm', {
      medium: kplus.EmptyDirMedium.MEMORY,
      sizeLimit: props.sharedMemory ?? Size.gibibytes(2 * props.gpus),
    });
    const cache = kplus.Volume.fromEmptyDir(this, 'Cache', 'cache', { sizeLimit: cacheSize });
    const mounts: kplus.VolumeMount[] = [
      { volume: shm, path: '/dev/shm' },
      { volume: cache, path: CACHE_DIR },
    ];
    if (props.modelBucketClaim) {
      const claim = kplus.PersistentVolumeClaim.fromClaimName(this, 'ModelBucketClaim', props.modelBucketClaim);
      const models = kplus.Volume.fromPersistentVolumeClaim(this, 'Models', claim, { name: 'models', readOnly: true });
      mounts.push({ volume: models, path: MODEL_MOUNT_PATH, readOnly: true });
    }
    return mounts;
  }

  /** Caches under the writable volume; offline unless a model comes from the Hub (then its token). */
  private environment(props: GpuServerProps): Record<string, kplus.EnvValue> {
    const hub = hubEnvironment(props.name, props.fromHub);
    const values = {
      HOME: CACHE_DIR,
      XDG_CACHE_HOME: CACHE_DIR,
      HF_HOME: `${CACHE_DIR}/huggingface`,
      ...hub.values,
      ...props.env,
    };
    const env: Record<string, kplus.EnvValue> = {};
    for (const [key, value] of Object.entries(values)) env[key] = kplus.EnvValue.fromValue(value);
    if (hub.secretToken) {
      const secret = kplus.Secret.fromSecretName(this, 'HubTokenSecret', hub.secretToken.secretName);
      env.HF_TOKEN = kplus.EnvValue.fromSecretValue({ secret, key: hub.secretToken.key });
    }
    return env;
  }

  private addScaledObject(props: GpuServerProps, sizing: Sizing): ApiObject {
    const scaling = props.autoscaling ?? {};
    // Pod names are `<deployment>-<replicaset hash>-<suffix>`: this matches this workload's pods only,
    // not those of a workload whose name merely starts the same.
    const podSelector = `namespace="${props.namespace}",pod=~"${props.name}-[a-z0-9]+-[a-z0-9]+"`;
    const triggers = props.loadTriggers(podSelector);
    if (scaling.scaleOnGpuUtilization ?? true) {
      triggers.push({
        name: 'gpu-utilization',
        query: `avg(DCGM_FI_DEV_GPU_UTIL{${podSelector}})`,
        threshold: sizing.gpuTarget,
        metricType: 'Value',
      });
    }
    return scaledObject(this, 'ScaledObject', {
      name: props.name,
      deploymentName: props.name,
      minReplicas: sizing.minReplicas,
      maxReplicas: sizing.maxReplicas,
      prometheusServerAddress: props.prometheusServerAddress,
      triggers,
      demand: props.wakeOnDemand,
      pollingIntervalSeconds: (scaling.pollingInterval ?? Duration.seconds(15)).toSeconds(),
      scaleDownStabilizationSeconds: (scaling.scaleDownStabilization ?? Duration.minutes(10)).toSeconds(),
      idleBeforeZeroSeconds: (scaling.idleBeforeZero ?? Duration.minutes(15)).toSeconds(),
    });
  }
}

const NON_ROOT: kplus.ContainerSecurityContextProps = {
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

function labelsOf(props: GpuServerProps): Record<string, string> {
  return {
    'app.kubernetes.io/name': props.server,
    'app.kubernetes.io/instance': props.name,
    'app.kubernetes.io/component': 'model-server',
    'app.kubernetes.io/part-of': 'llm-platform',
  };
}

/** The props' numbers, checked, with their defaults. */
function checkSizing(props: GpuServerProps): Sizing {
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
  const minReplicas = scaling.minReplicas ?? 1;
  const maxReplicas = scaling.maxReplicas ?? Math.max(2, minReplicas);
  checkInteger(name, 'autoscaling.minReplicas', minReplicas, 0);
  checkInteger(name, 'autoscaling.maxReplicas', maxReplicas, 1);
  if (minReplicas > maxReplicas) {
    throw new ServingPropsError(
      name,
      `autoscaling.minReplicas (${minReplicas}) is greater than autoscaling.maxReplicas (${maxReplicas}); make min <= max`,
    );
  }
  if (minReplicas === 0 && !props.wakeOnDemand) {
    throw new ServingPropsError(
      name,
      "autoscaling.minReplicas is 0 but nothing could wake the workload: its load triggers read the servers' own " +
        "metrics, which do not exist while no server runs. Give wakeOnDemand (the gateway's recorded demand), or keep minReplicas at 1 or more",
    );
  }
  const gpuTarget = scaling.gpuUtilizationTargetPercent ?? 90;
  checkInteger(name, 'autoscaling.gpuUtilizationTargetPercent', gpuTarget, 1, 100);
  const startupSeconds = (props.startupTimeout ?? Duration.minutes(20)).toSeconds();
  if (startupSeconds < 60) {
    throw new ServingPropsError(
      name,
      `startupTimeout is ${startupSeconds} s; a model server needs at least a minute to load`,
    );
  }
  return { minReplicas, maxReplicas, gpuTarget, startupSeconds };
}

/** What cdk8s-plus cannot say: GPUs, the node selector, zone spreading, and no fixed replica count. */
function patchDeployment(deployment: kplus.Deployment, props: GpuServerProps): void {
  deployment.scheduling.tolerate(
    kplus.Node.tainted(kplus.NodeTaintQuery.exists('nvidia.com/gpu', { effect: kplus.TaintEffect.NO_SCHEDULE })),
  );
  const apiObject = ApiObject.of(deployment);
  // The ScaledObject owns the replica count; a fixed count here would reset it on every apply.
  apiObject.addJsonPatch(JsonPatch.remove('/spec/replicas'));
  // Resource quantities go through cdk8s' Quantity type; a plain string here would be dropped.
  const gpuQuantity = kplus.k8s.Quantity.fromString(String(props.gpus));
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
        labelSelector: { matchLabels: { 'app.kubernetes.io/instance': props.name } },
      },
    ]),
  );
}

function disruptionBudget(scope: Construct, name: string, labels: Record<string, string>): ApiObject {
  return new ApiObject(scope, 'DisruptionBudget', {
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
}
