import { KubectlV33Layer } from '@aws-cdk/lambda-layer-kubectl-v33';
import { Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cdk8s from 'cdk8s';
import { Construct } from 'constructs';
import { SERVING_DEMAND } from '../../lambda/contract/serving-demand';
import { logEncryptionKey } from '../shared/log-encryption';
import { privateBucket } from '../shared/private-bucket';
import { acknowledgeKubectlProvider, acknowledgeServingFindings } from './acknowledgments';
import { addServingCharts, DEFAULT_SERVING_NAMESPACE, type ServingCharts } from './charts';
import {
  DEFAULT_ADDON_VERSIONS,
  NODE_GROUP_LABEL,
  PROMETHEUS_ADDRESS,
  ServingAddons,
  SYSTEM_NODE_GROUP,
} from './cluster-addons';
import type { ClusterHuggingFaceToken, ModelServingClusterProps } from './cluster-props';
import { gatewayDeploymentOf, type GatewayDeployment, type GatewayModelEntry } from './gateway-entries';
import { addGpuNodeGroup, checkNodeGroups, nodeLaunchTemplate } from './gpu-node-groups';
import { checkNodePools, gpuNodePoolManifest } from './gpu-node-pools';
import { addModelBucketMount } from './model-bucket-mount';
import { SECRET_STORE, ServingSecrets } from './serving-secrets';
import { addWorkloads, type WorkloadEndpoint } from './workload-endpoints';

export * from './cluster-props';

const ALL_LOG_TYPES = [
  eks.ClusterLoggingTypes.API,
  eks.ClusterLoggingTypes.AUDIT,
  eks.ClusterLoggingTypes.AUTHENTICATOR,
  eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
  eks.ClusterLoggingTypes.SCHEDULER,
];

/**
 * An EKS cluster (aws-cdk-lib's eks-v2) that serves self-hosted models on GPU nodes: private API
 * endpoint, every control-plane log type, KMS envelope encryption of secrets, access entries,
 * IMDSv2 with hop limit 1 on every node, GPU node groups that scale from zero and the NVIDIA device
 * plugin (or, with `gpuCapacity: 'autoMode'`, EKS Auto Mode GPU NodePools with their own drivers),
 * DCGM exporter, Prometheus, KEDA, Cluster Autoscaler and AWS Load Balancer Controller, the model
 * bucket mounted read-only in every replica (Mountpoint for Amazon S3), and the vLLM / Triton
 * charts of `./charts`, each behind an internal NLB with a private DNS name. With `demandSignal`,
 * a workload may scale to zero and wakes on the demand the gateway records for it.
 * {@link gatewayDeployments} hands the endpoints to the gateway's model config; {@link allowFrom}
 * lets the gateway in.
 */
export class ModelServingCluster extends Construct implements ec2.IConnectable {
  readonly cluster: eks.Cluster;
  readonly modelBucket: s3.IBucket;
  /** The role the Mountpoint CSI driver reads the model bucket as (Pod Identity), read-only. */
  readonly modelBucketReaderRole: iam.IRole;
  /** The GPU node groups by name; none with `gpuCapacity: 'autoMode'`. */
  readonly gpuNodeGroups: Readonly<Record<string, eks.Nodegroup>>;
  /** The Auto Mode GPU NodePools by pool name, as applied to the cluster; none with node groups. */
  readonly gpuNodePools: Readonly<Record<string, eks.KubernetesManifest>>;
  readonly charts: ServingCharts;
  readonly addons: ServingAddons;
  /** External Secrets, when a workload has a Hugging Face token or the demand signal needs a Redis user. */
  readonly secrets?: ServingSecrets;
  /** The security group of the load balancers: callers must be let in (see {@link allowFrom}). */
  readonly connections: ec2.Connections;
  readonly privateZone: route53.PrivateHostedZone;
  readonly namespace = DEFAULT_SERVING_NAMESPACE;
  private readonly endpoints: readonly WorkloadEndpoint[];

  constructor(scope: Construct, id: string, props: ModelServingClusterProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const subnets = props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    const versions = { ...DEFAULT_ADDON_VERSIONS, ...props.addonVersions };
    const autoMode = props.gpuCapacity === 'autoMode';
    // GPUs per node of each place a workload may name: an Auto Mode node pool, or a node group.
    // (checkNodePools also refuses pools without Auto Mode, and node groups with it.)
    const pools = checkNodePools(this.node.path, props);
    const groups = autoMode ? pools : checkNodeGroups(this.node.path, props);
    const clusterName = props.clusterName ?? Names.uniqueResourceName(this, { maxLength: 90, separator: '-' });
    const key = logEncryptionKey(
      this,
      'Key',
      `Encrypts the Kubernetes secrets, control-plane logs and model bucket of ${this.node.path}`,
      removalPolicy,
      `/aws/eks/${clusterName}/*`,
    );
    this.cluster = this.addCluster(props, clusterName, key, subnets, removalPolicy, autoMode);
    const podIdentityAgent = new eks.Addon(this, 'PodIdentityAgent', {
      cluster: this.cluster,
      addonName: 'eks-pod-identity-agent',
    });
    const system = props.systemNodes ?? {};
    const systemNodes = this.cluster.addNodegroupCapacity('SystemNodes', {
      instanceTypes: [new ec2.InstanceType(system.instanceType ?? 'm7i.large')],
      amiType: eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
      minSize: system.minSize ?? 2,
      maxSize: system.maxSize ?? 4,
      subnets,
      labels: { [NODE_GROUP_LABEL]: SYSTEM_NODE_GROUP },
      launchTemplateSpec: nodeLaunchTemplate(this, 'SystemLaunchTemplate', 50),
    });
    if (autoMode) this.addNodeGroupNetworking(systemNodes);
    this.gpuNodeGroups = Object.fromEntries(
      (autoMode ? [] : (props.gpuNodeGroups ?? [])).map((group) => [
        group.name,
        addGpuNodeGroup(this, this.cluster, { ...group, gpus: groups.get(group.name)! }, subnets),
      ]),
    );
    this.gpuNodePools = Object.fromEntries(
      (autoMode ? (props.gpuNodePools ?? []) : []).map((pool) => [
        pool.name,
        this.cluster.addManifest(`GpuNodePool-${pool.name}`, gpuNodePoolManifest(pool)),
      ]),
    );
    this.addons = new ServingAddons(this, 'Addons', {
      cluster: this.cluster,
      versions,
      podIdentityAgent,
      systemNodes,
      // Auto Mode nodes run NVIDIA's device plugin themselves; a second one would fight it over the GPUs.
      nvidiaDevicePlugin: !autoMode,
    });
    this.modelBucket = props.modelBucket ?? this.newModelBucket(key, removalPolicy);
    const mount = addModelBucketMount(this, this.cluster, podIdentityAgent, this.modelBucket);
    this.modelBucketReaderRole = mount.role;
    this.secrets = this.addSecrets(props, podIdentityAgent, systemNodes, versions.externalSecrets);
    if (props.demandSignal) {
      // KEDA (on the system nodes, in the cluster security group) reads the demand lists in the cache.
      const { cache } = props.demandSignal;
      cache.connections.allowFrom(
        this.cluster.clusterSecurityGroup,
        ec2.Port.tcp(cache.port),
        'KEDA reads the demand signal',
      );
    }

    const lbSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: props.vpc,
      description: 'Internal load balancers of the model servers: only callers let in explicitly',
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({ securityGroups: [lbSecurityGroup] });
    this.charts = this.synthesizeCharts(props, groups, lbSecurityGroup, subnets);
    const namespaceManifest = this.cluster.addCdk8sChart('ServingNamespace', this.charts.namespace);
    namespaceManifest.node.addDependency(mount.addon, ...(this.secrets ? [this.secrets.store] : []));

    this.privateZone = new route53.PrivateHostedZone(this, 'Zone', {
      zoneName: props.privateDomainName ?? 'model-serving.internal',
      vpc: props.vpc,
    });
    this.endpoints = addWorkloads(this, this.charts, {
      cluster: this.cluster,
      namespace: this.namespace,
      zone: this.privateZone,
      loadBalancerSecurityGroup: lbSecurityGroup,
      vpcCidr: props.vpc.vpcCidrBlock,
      after: [namespaceManifest, this.addons.keda, this.addons.loadBalancerController],
    });
    acknowledgeServingFindings(this, props.modelBucket ? undefined : this.modelBucket, autoMode);
  }

  /** Lets `peer` (the gateway function) reach every model server's load balancer on its port. */
  allowFrom(peer: ec2.IConnectable, description = 'Gateway to the model servers'): void {
    for (const port of new Set(this.endpoints.map((e) => e.port))) {
      this.connections.allowFrom(peer, ec2.Port.tcp(port), description);
    }
  }

  /**
   * The gateway deployment entry of every workload behind a load balancer, keyed by deployment id
   * (`vllm-<name>`, `triton-<name>`): provider `openai-compatible`, its private base URL, no
   * per-token price (the cluster's cost is its nodes'), and `wakeOnDemand` when it may be at zero.
   */
  gatewayDeployments(): Record<string, GatewayDeployment> {
    return Object.fromEntries(
      this.endpoints.map((e) => [e.id, gatewayDeploymentOf(e.model, e.host, e.port, e.scalesToZero)]),
    );
  }

  /**
   * A model entry for the gateway's "local" tier: the cluster's deployments in failover order
   * (vLLM first, then Triton), then `fallback` (hosted deployments that answer while a cold
   * workload wakes). Put it under the model name your router's local tier uses.
   */
  localModelEntry(fallback: readonly string[] = []): GatewayModelEntry {
    return { deployments: [...this.endpoints.map((e) => e.id), ...fallback] };
  }

  private addCluster(
    props: ModelServingClusterProps,
    clusterName: string,
    key: kms.IKey,
    subnets: ec2.SubnetSelection,
    removalPolicy: RemovalPolicy,
    autoMode: boolean,
  ): eks.Cluster {
    // EKS writes control-plane logs to this group; created first, so it has a retention and the key.
    const controlPlaneLogs = new logs.LogGroup(this, 'ControlPlaneLogs', {
      logGroupName: `/aws/eks/${clusterName}/cluster`,
      retention: props.controlPlaneLogRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: key,
      removalPolicy,
    });
    const cluster = new eks.Cluster(this, 'Cluster', {
      clusterName,
      vpc: props.vpc,
      vpcSubnets: [subnets],
      version: props.kubernetesVersion ?? eks.KubernetesVersion.V1_33,
      endpointAccess: eks.EndpointAccess.PRIVATE,
      clusterLogging: ALL_LOG_TYPES,
      secretsEncryptionKey: key,
      // Managed node groups and no default capacity; or Auto Mode for the GPU node pools, with only
      // the built-in `system` pool besides (EKS creates the default NodeClass only with a built-in
      // pool enabled; its CriticalAddonsOnly taint keeps other pods off). README, "GPU capacity".
      ...(autoMode
        ? { defaultCapacityType: eks.DefaultCapacityType.AUTOMODE, compute: { nodePools: ['system'] } }
        : { defaultCapacityType: eks.DefaultCapacityType.NODEGROUP, defaultCapacity: 0 }),
      kubectlProviderOptions: { kubectlLayer: new KubectlV33Layer(this, 'KubectlLayer') },
      removalPolicy,
    });
    cluster.node.addDependency(controlPlaneLogs);
    if (cluster.kubectlProvider) acknowledgeKubectlProvider(cluster.kubectlProvider);
    props.adminRoleArns?.forEach((arn, i) => cluster.grantClusterAdmin(`Admin${i}`, arn));
    return cluster;
  }

  /**
   * An Auto Mode cluster does not bootstrap pod networking, kube-proxy and CoreDNS (its own nodes
   * have them built in), but the managed system node group needs them: as EKS add-ons, which keep
   * off Auto Mode nodes. Networking before the nodes join, CoreDNS once they can run it.
   */
  private addNodeGroupNetworking(systemNodes: eks.Nodegroup): void {
    for (const [id, addonName] of [
      ['VpcCni', 'vpc-cni'],
      ['KubeProxy', 'kube-proxy'],
    ]) {
      systemNodes.node.addDependency(new eks.Addon(this, id, { cluster: this.cluster, addonName }));
    }
    new eks.Addon(this, 'CoreDns', { cluster: this.cluster, addonName: 'coredns' }).node.addDependency(systemNodes);
  }

  private newModelBucket(key: kms.IKey, removalPolicy: RemovalPolicy): s3.IBucket {
    return privateBucket(this, 'ModelBucket', {
      key,
      logPrefix: 'model-bucket/',
      removalPolicy,
      whyNoReplication:
        'Model weights are copies of published checkpoints, re-uploadable from their source: cross-region ' +
        'replication would double the storage of hundreds of GB for no recovery the source does not already give.',
    });
  }

  /** External Secrets, for exactly the secrets the workloads and the demand signal need. */
  private addSecrets(
    props: ModelServingClusterProps,
    podIdentityAgent: eks.Addon,
    systemNodes: eks.Nodegroup,
    version: string,
  ): ServingSecrets | undefined {
    const tokens = [...(props.vllm ?? []), ...(props.triton ?? [])].flatMap((w) =>
      w.huggingFaceToken ? [w.huggingFaceToken.secret] : [],
    );
    const secrets: secretsmanager.ISecret[] = [
      ...tokens,
      ...(props.demandSignal ? [props.demandSignal.cache.gatewayPasswordSecret] : []),
    ];
    if (secrets.length === 0) return undefined;
    return new ServingSecrets(this, 'Secrets', {
      cluster: this.cluster,
      podIdentityAgent,
      systemNodes,
      version,
      secrets,
    });
  }

  /** The charts, synthesized by cdk8s and applied by the cluster's kubectl provider. */
  private synthesizeCharts(
    props: ModelServingClusterProps,
    groups: Map<string, number>,
    lbSecurityGroup: ec2.SecurityGroup,
    subnets: ec2.SubnetSelection,
  ): ServingCharts {
    const placement = (workload: string, nodeGroup: string) => {
      if (!groups.has(nodeGroup)) {
        throw new Error(
          `ModelServingCluster ${this.node.path}: workload "${workload}" runs on node group "${nodeGroup}", which does not exist; ` +
            `known: ${[...groups.keys()].join(', ') || `(none: add one to ${props.gpuCapacity === 'autoMode' ? 'gpuNodePools' : 'gpuNodeGroups'})`}`,
        );
      }
      return { gpusPerNode: groups.get(nodeGroup)!, nodeSelector: { [NODE_GROUP_LABEL]: nodeGroup } };
    };
    const token = (t: ClusterHuggingFaceToken | undefined) =>
      t && { secretsManagerSecret: t.secret.secretArn, property: t.property, secretStore: SECRET_STORE };
    const demand = props.demandSignal;
    return addServingCharts(new cdk8s.App(), {
      prometheusServerAddress: PROMETHEUS_ADDRESS,
      loadBalancer: {
        securityGroupIds: [lbSecurityGroup.securityGroupId],
        subnetIds: props.vpc.selectSubnets(subnets).subnetIds,
      },
      modelBucket: { bucketName: this.modelBucket.bucketName, region: Stack.of(this).region },
      demandSignal: demand && {
        redisAddress: `${demand.cache.endpointAddress}:${demand.cache.port}`,
        enableTls: true,
        redisPrefix: demand.redisPrefix ?? SERVING_DEMAND.redisPrefix,
        credentials: { secretsManagerSecret: demand.cache.gatewayPasswordSecret.secretArn, secretStore: SECRET_STORE },
      },
      vllm: (props.vllm ?? []).map(({ nodeGroup, huggingFaceToken, ...workload }) => ({
        ...workload,
        ...placement(workload.name, nodeGroup),
        huggingFaceToken: token(huggingFaceToken),
      })),
      triton: (props.triton ?? []).map(({ nodeGroup, huggingFaceToken, ...workload }) => ({
        ...workload,
        ...placement(workload.name, nodeGroup),
        huggingFaceToken: token(huggingFaceToken),
      })),
    });
  }
}
