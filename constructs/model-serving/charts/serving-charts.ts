import type { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { InternalLoadBalancerProps } from './gpu-server';
import { ServingNamespaceChart } from './namespace-chart';
import type { ServingDemandSignal } from './offline-models';
import {
  DEMAND_AUTHENTICATION,
  MODEL_BUCKET_CLAIM,
  type DemandSignalCredentials,
  type ModelBucketMount,
} from './shared-mounts';
import { TritonChart, type TritonServerOptions } from './triton-chart';
import { ServingPropsError } from './validate';
import { VllmChart, type VllmServerOptions } from './vllm-chart';

/** Settings every workload of one deployment shares; given once in {@link ServingChartsProps}. */
type SharedSettings = 'prometheusServerAddress' | 'serviceAccountName' | 'loadBalancer' | 'modelBucketClaim';
export type VllmWorkload = Omit<VllmServerOptions, SharedSettings>;
export type TritonWorkload = Omit<TritonServerOptions, SharedSettings>;

export const DEFAULT_SERVING_NAMESPACE = 'model-serving';
export const DEFAULT_SERVICE_ACCOUNT = 'model-server';

/** The whole set of serving workloads: what the three delivery paths synthesize alike. */
export interface ServingChartsProps {
  /** @default 'model-serving' */
  readonly namespace?: string;
  /** @default 'model-server' */
  readonly serviceAccountName?: string;
  /** @default - none */
  readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
  /** The Prometheus KEDA queries for the servers' load, e.g. `http://prometheus-server.monitoring.svc`. */
  readonly prometheusServerAddress: string;
  /**
   * An internal load balancer in front of each workload's OpenAI-compatible port (Triton workloads
   * with the `kserve` frontend have none and get none).
   * @default - no load balancer; the servers are reachable inside the cluster only
   */
  readonly loadBalancer?: InternalLoadBalancerProps;
  /**
   * The bucket of model weights, Triton repositories and tokenizers, mounted read-only at `/models`
   * in every replica (Mountpoint for Amazon S3 CSI driver).
   * @default - no mount: models come from the Hugging Face Hub, each with a token
   */
  readonly modelBucket?: ModelBucketMount;
  /**
   * The gateway's Redis, where it records demand for cold deployments: every workload gets a
   * trigger on its own demand list (deployment id `vllm-<name>` / `triton-<name>`) unless it sets
   * its own `wakeOnDemand`.
   * @default - no demand trigger (workloads then keep at least one replica)
   */
  readonly demandSignal?: Omit<ServingDemandSignal, 'deploymentId' | 'authenticationRef'> & {
    /** The Redis user's secret, synced by External Secrets. @default - Redis without authentication */
    readonly credentials?: DemandSignalCredentials;
  };
  /** @default - none */
  readonly vllm?: readonly VllmWorkload[];
  /** @default - none */
  readonly triton?: readonly TritonWorkload[];
}

export interface ServingCharts {
  readonly namespace: ServingNamespaceChart;
  readonly vllm: readonly VllmChart[];
  readonly triton: readonly TritonChart[];
  /** Every chart, the namespace first (it must exist before the workloads are applied). */
  readonly all: readonly Chart[];
}

/** Adds the namespace chart and one chart per workload to `scope` (a cdk8s App). */
export function addServingCharts(scope: Construct, props: ServingChartsProps): ServingCharts {
  const namespace = props.namespace ?? DEFAULT_SERVING_NAMESPACE;
  const serviceAccountName = props.serviceAccountName ?? DEFAULT_SERVICE_ACCOUNT;
  const names = [...(props.vllm ?? []), ...(props.triton ?? [])].map((w) => w.name);
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length > 0) {
    throw new ServingPropsError(
      repeated[0],
      'the name is used by more than one workload; every vLLM and Triton workload needs its own name',
    );
  }
  const shared = {
    prometheusServerAddress: props.prometheusServerAddress,
    serviceAccountName,
    loadBalancer: props.loadBalancer,
    modelBucketClaim: props.modelBucket ? MODEL_BUCKET_CLAIM : undefined,
  };
  const namespaceChart = new ServingNamespaceChart(scope, 'serving-namespace', {
    namespace,
    serviceAccountName,
    serviceAccountAnnotations: props.serviceAccountAnnotations,
    modelBucket: props.modelBucket,
    demandSignalCredentials: props.demandSignal?.credentials,
  });
  const wake = (deploymentId: string, own: ServingDemandSignal | undefined) => own ?? demandOf(props, deploymentId);
  const vllm = (props.vllm ?? []).map(
    (workload) =>
      new VllmChart(scope, `vllm-${workload.name}`, {
        ...workload,
        ...shared,
        wakeOnDemand: wake(`vllm-${workload.name}`, workload.wakeOnDemand),
        namespace,
      }),
  );
  const triton = (props.triton ?? []).map(
    (workload) =>
      new TritonChart(scope, `triton-${workload.name}`, {
        ...workload,
        ...shared,
        wakeOnDemand: wake(`triton-${workload.name}`, workload.wakeOnDemand),
        // Only the OpenAI frontend has a port for the gateway to reach.
        loadBalancer: workload.frontend === 'kserve' ? undefined : props.loadBalancer,
        namespace,
      }),
  );
  for (const chart of [...vllm, ...triton]) chart.addDependency(namespaceChart);
  return { namespace: namespaceChart, vllm, triton, all: [namespaceChart, ...vllm, ...triton] };
}

/** The shared demand signal, for one workload's deployment id. */
function demandOf(props: ServingChartsProps, deploymentId: string): ServingDemandSignal | undefined {
  if (!props.demandSignal) return undefined;
  const { credentials, ...signal } = props.demandSignal;
  return { ...signal, deploymentId, authenticationRef: credentials ? DEMAND_AUTHENTICATION : undefined };
}
