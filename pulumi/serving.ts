import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as cdk8s from 'cdk8s';
import type { Chart } from 'cdk8s';
import { addServingCharts, type ServingChartsProps } from '../constructs/model-serving/charts';

// The package's `./pulumi` subpath: the component and the charts' own API (`servingChartsPropsFromSpec`),
// without the CDK constructs of `./model-serving`.
export * from '../constructs/model-serving/charts';

/**
 * How long Pulumi waits, beyond a replica's startup timeout, for a rollout to become ready: pulling
 * a 10-20 GB server image and copying the weights come before the model loads.
 */
export const ROLLOUT_MARGIN_SECONDS = 15 * 60;
/** How long Pulumi waits for the load balancer controller to give a Service its address. */
export const LOAD_BALANCER_TIMEOUT_SECONDS = 15 * 60;

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Sizes Pulumi's readiness waiting to the workload: the `pulumi.com/timeoutSeconds` annotation on
 * Deployments (model load time plus image pull) and LoadBalancer Services, and the same as custom
 * create/update timeouts of the resources.
 */
export function readinessTransformation(deploymentTimeoutSeconds: number) {
  return (obj: Obj, opts: pulumi.CustomResourceOptions): void => {
    let seconds: number | undefined;
    if (obj.kind === 'Deployment') seconds = deploymentTimeoutSeconds;
    else if (obj.kind === 'Service' && obj.spec?.type === 'LoadBalancer') seconds = LOAD_BALANCER_TIMEOUT_SECONDS;
    if (seconds === undefined) return;
    obj.metadata = obj.metadata ?? {};
    obj.metadata.annotations = { ...obj.metadata.annotations, 'pulumi.com/timeoutSeconds': String(seconds) };
    const timeout = `${Math.ceil(seconds / 60)}m`;
    opts.customTimeouts = { create: timeout, update: timeout };
  };
}

export interface ServingDeploymentArgs {
  /** The workloads, as the charts take them. */
  readonly serving: ServingChartsProps;
  /** A kubeconfig for the target cluster; or give `provider`. */
  readonly kubeconfig?: pulumi.Input<string>;
  /** An existing Kubernetes provider; takes precedence over `kubeconfig`. */
  readonly provider?: k8s.Provider;
}

/**
 * Deploys the serving charts (the same classes the CDK construct deploys) to any existing cluster:
 * the namespace first, then one ConfigGroup per workload, waiting for each rollout as long as its
 * model may take to load. The cluster must have KEDA, the NVIDIA device plugin, a Prometheus that
 * scrapes the servers and the DCGM exporter, and (for load balancers) the AWS Load Balancer Controller.
 */
export class ServingDeployment extends pulumi.ComponentResource {
  readonly namespace: k8s.yaml.ConfigGroup;
  readonly workloads: Record<string, k8s.yaml.ConfigGroup>;

  constructor(name: string, args: ServingDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:serving:ServingDeployment', name, {}, opts);
    const provider =
      args.provider ??
      new k8s.Provider(
        `${name}-cluster`,
        { kubeconfig: args.kubeconfig, enableServerSideApply: true },
        { parent: this },
      );
    const charts = addServingCharts(new cdk8s.App(), args.serving);
    const group = (id: string, chart: Chart, deploymentTimeoutSeconds: number, dependsOn: pulumi.Resource[]) =>
      new k8s.yaml.ConfigGroup(
        `${name}-${id}`,
        { objs: chart.toJson(), transformations: [readinessTransformation(deploymentTimeoutSeconds)] },
        { parent: this, provider, dependsOn },
      );
    this.namespace = group('namespace', charts.namespace, 0, []);
    this.workloads = Object.fromEntries(
      [...charts.vllm, ...charts.triton].map((chart) => [
        chart.node.id,
        group(chart.node.id, chart, chart.server.startupTimeoutSeconds + ROLLOUT_MARGIN_SECONDS, [this.namespace]),
      ]),
    );
    this.registerOutputs({ workloads: Object.keys(this.workloads) });
  }
}
