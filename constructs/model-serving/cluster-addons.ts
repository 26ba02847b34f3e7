import * as fs from 'node:fs';
import * as path from 'node:path';
import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * Helm chart versions the cluster installs. Pinned so that a deploy installs what was tested;
 * override one through `ModelServingClusterProps.addonVersions` to move it.
 */
export interface ServingAddonVersions {
  /** NVIDIA device plugin (https://nvidia.github.io/k8s-device-plugin). */
  readonly nvidiaDevicePlugin: string;
  /** NVIDIA DCGM exporter (https://nvidia.github.io/dcgm-exporter/helm-charts). */
  readonly dcgmExporter: string;
  /** KEDA (https://kedacore.github.io/charts). */
  readonly keda: string;
  /** Prometheus server (https://prometheus-community.github.io/helm-charts, chart `prometheus`). */
  readonly prometheus: string;
  /** Cluster Autoscaler chart (https://kubernetes.github.io/autoscaler). */
  readonly clusterAutoscalerChart: string;
  /** Cluster Autoscaler image tag: its minor version must be the cluster's Kubernetes minor version. */
  readonly clusterAutoscalerImage: string;
  /** AWS Load Balancer Controller, as aws-cdk-lib knows its versions (chart and IAM policy). */
  readonly loadBalancerController: eks.AlbControllerVersion;
  /**
   * External Secrets (https://charts.external-secrets.io): installed only when a workload has a
   * Hugging Face token or the demand signal needs its Redis user; serves `external-secrets.io/v1beta1`.
   */
  readonly externalSecrets: string;
}

export const DEFAULT_ADDON_VERSIONS: ServingAddonVersions = {
  nvidiaDevicePlugin: '0.17.0',
  dcgmExporter: '4.1.1',
  keda: '2.16.1',
  prometheus: '25.27.0',
  clusterAutoscalerChart: '9.47.0',
  clusterAutoscalerImage: 'v1.33.0',
  loadBalancerController: eks.AlbControllerVersion.V2_13_3,
  externalSecrets: '0.16.2',
};

export const MONITORING_NAMESPACE = 'monitoring';
/** Where KEDA and anyone else reach the in-cluster Prometheus. */
export const PROMETHEUS_ADDRESS = `http://prometheus-server.${MONITORING_NAMESPACE}.svc.cluster.local`;
/** Label of every GPU node; the device plugin, the DCGM exporter and the servers select it. */
export const GPU_NODE_LABEL = 'nvidia.com/gpu.present';
/** Label naming the node group a node belongs to, so a workload can pick its GPUs. */
export const NODE_GROUP_LABEL = 'llm-platform/node-group';
export const SYSTEM_NODE_GROUP = 'system';

const GPU_TOLERATION = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };
const ON_GPU_NODES = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key: GPU_NODE_LABEL, operator: 'In', values: ['true'] }] }],
    },
  },
};
const ON_SYSTEM_NODES = { [NODE_GROUP_LABEL]: SYSTEM_NODE_GROUP };

export interface ServingAddonsProps {
  readonly cluster: eks.Cluster;
  readonly versions: ServingAddonVersions;
  /** Installed before anything that needs AWS credentials in a pod. */
  readonly podIdentityAgent: eks.Addon;
  /** The node group system pods run on; charts wait for it. */
  readonly systemNodes: eks.Nodegroup;
  /**
   * Install NVIDIA's device plugin: node-group GPU nodes need it; EKS Auto Mode nodes run their own.
   * @default true
   */
  readonly nvidiaDevicePlugin?: boolean;
}

/**
 * What the GPU servers need in the cluster: the NVIDIA device plugin (GPUs as `nvidia.com/gpu`),
 * the DCGM exporter (GPU metrics), Prometheus (scrapes servers and GPUs), KEDA (scales on those
 * metrics), the Cluster Autoscaler (adds GPU nodes for pending replicas, removes idle ones) and the
 * AWS Load Balancer Controller (internal NLBs). The controllers that call AWS get their role
 * through EKS Pod Identity.
 */
export class ServingAddons extends Construct {
  /** Applying a ScaledObject needs KEDA's CRDs. */
  readonly keda: eks.HelmChart;
  /** Creating a LoadBalancer Service needs the controller's webhook up. */
  readonly loadBalancerController: eks.HelmChart;
  readonly clusterAutoscalerRole: iam.IRole;
  readonly loadBalancerControllerRole: iam.IRole;

  constructor(scope: Construct, id: string, props: ServingAddonsProps) {
    super(scope, id);
    const { cluster, versions } = props;
    const region = Stack.of(this).region;

    const chart = (chartId: string, options: Omit<eks.HelmChartProps, 'cluster'>) => {
      const helm = new eks.HelmChart(this, chartId, { cluster, wait: true, timeout: Duration.minutes(15), ...options });
      helm.node.addDependency(props.systemNodes);
      return helm;
    };

    if (props.nvidiaDevicePlugin ?? true) {
      chart('NvidiaDevicePlugin', {
        chart: 'nvidia-device-plugin',
        repository: 'https://nvidia.github.io/k8s-device-plugin',
        version: versions.nvidiaDevicePlugin,
        release: 'nvidia-device-plugin',
        namespace: 'kube-system',
        // A DaemonSet on GPU nodes only; there may be none yet (min size 0), so do not wait for pods.
        wait: false,
        values: {
          affinity: ON_GPU_NODES,
          tolerations: [GPU_TOLERATION, { key: 'CriticalAddonsOnly', operator: 'Exists' }],
          priorityClassName: 'system-node-critical',
          gfd: { enabled: false },
          nfd: { enabled: false },
        },
      });
    }

    chart('DcgmExporter', {
      chart: 'dcgm-exporter',
      repository: 'https://nvidia.github.io/dcgm-exporter/helm-charts',
      version: versions.dcgmExporter,
      release: 'dcgm-exporter',
      namespace: MONITORING_NAMESPACE,
      createNamespace: true,
      wait: false,
      values: {
        affinity: ON_GPU_NODES,
        tolerations: [GPU_TOLERATION],
        serviceMonitor: { enabled: false },
      },
    });

    chart('Prometheus', {
      chart: 'prometheus',
      repository: 'https://prometheus-community.github.io/helm-charts',
      version: versions.prometheus,
      release: 'prometheus',
      namespace: MONITORING_NAMESPACE,
      createNamespace: true,
      values: {
        // Only the server: it holds the short-lived load signals the autoscaler reads.
        alertmanager: { enabled: false },
        'prometheus-pushgateway': { enabled: false },
        'prometheus-node-exporter': { enabled: false },
        'kube-state-metrics': { enabled: false },
        server: {
          retention: '2d',
          // No PersistentVolume: scaling signals are minutes old at most, and the cluster needs no
          // storage driver for them. Send metrics you keep to your observability stack.
          persistentVolume: { enabled: false },
          nodeSelector: ON_SYSTEM_NODES,
          resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { memory: '2Gi' } },
        },
        // The DCGM exporter labels each GPU's series with the pod using it; keep those labels
        // (honor_labels) so that a workload's GPU utilisation can be selected by its pods.
        extraScrapeConfigs: [
          '- job_name: dcgm-exporter',
          '  honor_labels: true',
          '  scrape_interval: 15s',
          '  kubernetes_sd_configs:',
          '    - role: endpoints',
          `      namespaces: { names: [${MONITORING_NAMESPACE}] }`,
          '  relabel_configs:',
          '    - source_labels: [__meta_kubernetes_service_name]',
          '      regex: dcgm-exporter',
          '      action: keep',
          '    - source_labels: [__meta_kubernetes_endpoint_port_name]',
          '      regex: metrics',
          '      action: keep',
          '',
        ].join('\n'),
      },
    });

    this.keda = chart('Keda', {
      chart: 'keda',
      repository: 'https://kedacore.github.io/charts',
      version: versions.keda,
      release: 'keda',
      namespace: 'keda',
      createNamespace: true,
      values: { nodeSelector: ON_SYSTEM_NODES },
    });

    this.clusterAutoscalerRole = podIdentityRole(this, 'ClusterAutoscaler', {
      cluster,
      agent: props.podIdentityAgent,
      namespace: 'kube-system',
      serviceAccount: 'cluster-autoscaler',
      description: 'Cluster Autoscaler: resizes the node groups of this cluster only',
      statements: [
        new iam.PolicyStatement({
          // Discovery: these actions have no resource-level permissions.
          actions: [
            'autoscaling:DescribeAutoScalingGroups',
            'autoscaling:DescribeAutoScalingInstances',
            'autoscaling:DescribeLaunchConfigurations',
            'autoscaling:DescribeScalingActivities',
            'autoscaling:DescribeTags',
            'ec2:DescribeImages',
            'ec2:DescribeInstanceTypes',
            'ec2:DescribeLaunchTemplateVersions',
            'ec2:GetInstanceTypesFromInstanceRequirements',
            'eks:DescribeNodegroup',
          ],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          actions: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
          resources: ['*'],
          // Only the Auto Scaling groups EKS created for this cluster's node groups.
          conditions: { StringEquals: { 'aws:ResourceTag/eks:cluster-name': cluster.clusterName } },
        }),
      ],
    });
    chart('ClusterAutoscaler', {
      chart: 'cluster-autoscaler',
      repository: 'https://kubernetes.github.io/autoscaler',
      version: versions.clusterAutoscalerChart,
      release: 'cluster-autoscaler',
      namespace: 'kube-system',
      values: {
        cloudProvider: 'aws',
        awsRegion: region,
        autoDiscovery: { clusterName: cluster.clusterName },
        image: { tag: versions.clusterAutoscalerImage },
        rbac: { serviceAccount: { create: true, name: 'cluster-autoscaler' } },
        nodeSelector: ON_SYSTEM_NODES,
        extraArgs: {
          'balance-similar-node-groups': true,
          'skip-nodes-with-system-pods': false,
          expander: 'least-waste',
          // A GPU node costs dollars an hour: give it back soon after its last replica leaves.
          'scale-down-unneeded-time': '10m',
        },
      },
    }).node.addDependency(this.clusterAutoscalerRole);

    this.loadBalancerControllerRole = podIdentityRole(this, 'LoadBalancerController', {
      cluster,
      agent: props.podIdentityAgent,
      namespace: 'kube-system',
      serviceAccount: 'aws-load-balancer-controller',
      description: 'AWS Load Balancer Controller: manages the internal NLBs of the model servers',
      statements: loadBalancerControllerPolicy(versions.loadBalancerController),
    });
    this.loadBalancerController = chart('LoadBalancerController', {
      chart: 'aws-load-balancer-controller',
      repository: 'https://aws.github.io/eks-charts',
      version: versions.loadBalancerController.helmChartVersion,
      release: 'aws-load-balancer-controller',
      namespace: 'kube-system',
      values: {
        clusterName: cluster.clusterName,
        // Pods cannot read instance metadata (hop limit 1): name the region and VPC.
        region,
        vpcId: cluster.vpc.vpcId,
        serviceAccount: { create: true, name: 'aws-load-balancer-controller' },
        nodeSelector: ON_SYSTEM_NODES,
        replicaCount: 2,
      },
    });
    this.loadBalancerController.node.addDependency(this.loadBalancerControllerRole);
  }
}

/** A role that one service account assumes through EKS Pod Identity, and the association that binds them. */
export interface PodIdentityRoleOptions {
  readonly cluster: eks.ICluster;
  /** The Pod Identity agent add-on; associations are created after it. */
  readonly agent: eks.Addon;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly description: string;
  readonly statements: iam.PolicyStatement[];
}

export function podIdentityRole(scope: Construct, id: string, options: PodIdentityRoleOptions): iam.IRole {
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.SessionTagsPrincipal(new iam.ServicePrincipal('pods.eks.amazonaws.com')),
    description: options.description,
  });
  // A customer-managed policy, reviewed on its own, rather than an inline one.
  role.addManagedPolicy(new iam.ManagedPolicy(scope, `${id}Policy`, { statements: options.statements }));
  const association = new eks.CfnPodIdentityAssociation(scope, `${id}PodIdentity`, {
    clusterName: options.cluster.clusterName,
    namespace: options.namespace,
    serviceAccount: options.serviceAccount,
    roleArn: role.roleArn,
  });
  association.node.addDependency(options.agent);
  // Handed out without policy updates: nothing else may add permissions to a workload's role.
  return role.withoutPolicyUpdates();
}

/**
 * The controller's own IAM policy for its version, as aws-cdk-lib ships it (the file the controller
 * project publishes), with the partition made portable.
 */
function loadBalancerControllerPolicy(version: eks.AlbControllerVersion): iam.PolicyStatement[] {
  const file = path.join(
    path.dirname(require.resolve('aws-cdk-lib/aws-eks-v2')),
    'lib',
    'addons',
    `alb-iam_policy-${version.version}.json`,
  );
  const policy = JSON.parse(fs.readFileSync(file, 'utf8')) as { Statement: Record<string, unknown>[] };
  const portable = (resource: unknown) =>
    typeof resource === 'string' ? resource.replace(/^arn:aws:/, `arn:${Aws.PARTITION}:`) : resource;
  return policy.Statement.map((statement) =>
    iam.PolicyStatement.fromJson({
      ...statement,
      Resource: Array.isArray(statement.Resource) ? statement.Resource.map(portable) : portable(statement.Resource),
    }),
  );
}
