import { KubectlV33Layer } from '@aws-cdk/lambda-layer-kubectl-v33';
import { Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cdk8s from 'cdk8s';
import { Construct, type IConstruct } from 'constructs';
import { acknowledgeControl } from '../shared/control-tower';
import { acknowledgeServingFindings } from './acknowledgments';
import { logEncryptionKey } from '../shared/log-encryption';
import { privateBucket } from '../shared/private-bucket';
import {
  addServingCharts,
  DEFAULT_SERVICE_ACCOUNT,
  DEFAULT_SERVING_NAMESPACE,
  type ServingCharts,
  type TritonWorkload,
  type VllmWorkload,
} from './charts';
import {
  DEFAULT_ADDON_VERSIONS,
  GPU_NODE_LABEL,
  NODE_GROUP_LABEL,
  podIdentityRole,
  PROMETHEUS_ADDRESS,
  ServingAddons,
  SYSTEM_NODE_GROUP,
  type ServingAddonVersions,
} from './cluster-addons';
import { gatewayDeploymentOf, type GatewayDeployment, type GatewayModelEntry } from './gateway-entries';
import { gpusOfInstanceType } from './gpu-instances';

/** One managed node group of GPU instances. */
export interface GpuNodeGroupProps {
  /** Name workloads use to pick this group (`nodeGroup`); also the node label value. */
  readonly name: string;
  /** Instance types, all with the same number of GPUs, e.g. `['g6.xlarge', 'g5.xlarge']`. */
  readonly instanceTypes: readonly string[];
  /** @default eks.CapacityType.ON_DEMAND */
  readonly capacityType?: eks.CapacityType;
  /**
   * Nodes kept however idle. 0 lets an environment cost nothing at rest: the Cluster Autoscaler
   * adds nodes when replicas are pending.
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
   * Root volume size (container images of GPU servers are 10-20 GB, plus the model files).
   * @default 300
   */
  readonly diskSizeGiB?: number;
}

/** A vLLM workload of the cluster: the chart's options, placed on one of its GPU node groups. */
export interface ClusterVllmWorkload extends Omit<VllmWorkload, 'gpusPerNode' | 'nodeSelector' | 'modelSource'> {
  /** The GPU node group it runs on. */
  readonly nodeGroup: string;
  /**
   * Key prefix of the weights in the cluster's model bucket.
   * @default - vLLM downloads `model` from the Hugging Face Hub
   */
  readonly modelPrefix?: string;
}

/** A Triton workload of the cluster, its model repository in the cluster's model bucket. */
export interface ClusterTritonWorkload extends Omit<
  TritonWorkload,
  'gpusPerNode' | 'nodeSelector' | 'modelRepository'
> {
  readonly nodeGroup: string;
  /** Key prefix of the model repository in the cluster's model bucket. */
  readonly modelRepositoryPrefix: string;
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
  /** GPU node groups; every workload names the one it runs on. */
  readonly gpuNodeGroups: readonly GpuNodeGroupProps[];
  /** @default - none */
  readonly vllm?: readonly ClusterVllmWorkload[];
  /** @default - none */
  readonly triton?: readonly ClusterTritonWorkload[];
  /**
   * IAM role ARNs given cluster-admin access (access entries), e.g. your operators' SSO role.
   * @default - none besides the deployment's own kubectl role
   */
  readonly adminRoleArns?: readonly string[];
  /**
   * Bucket of model weights and Triton model repositories.
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
 * IMDSv2 with hop limit 1 on every node, GPU node groups that scale from zero, the NVIDIA device
 * plugin, DCGM exporter, Prometheus, KEDA, Cluster Autoscaler and AWS Load Balancer Controller, a
 * model bucket read through EKS Pod Identity, and the vLLM / Triton charts of `./charts`, each
 * behind an internal NLB with a private DNS name. {@link gatewayDeployments} hands the endpoints
 * to the gateway's model config; {@link allowFrom} lets the gateway in.
 */
export class ModelServingCluster extends Construct implements ec2.IConnectable {
  readonly cluster: eks.Cluster;
  readonly modelBucket: s3.IBucket;
  /** The role the model servers run as (Pod Identity), with read access to the model bucket. */
  readonly modelServerRole: iam.IRole;
  readonly gpuNodeGroups: Readonly<Record<string, eks.Nodegroup>>;
  readonly charts: ServingCharts;
  readonly addons: ServingAddons;
  /** The security group of the load balancers: callers must be let in (see {@link allowFrom}). */
  readonly connections: ec2.Connections;
  readonly privateZone: route53.PrivateHostedZone;
  readonly namespace = DEFAULT_SERVING_NAMESPACE;
  private readonly endpoints: Array<{ id: string; model: string; host: string; port: number; server: string }> = [];

  constructor(scope: Construct, id: string, props: ModelServingClusterProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const subnets = props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    const versions = { ...DEFAULT_ADDON_VERSIONS, ...props.addonVersions };
    const groups = this.checkNodeGroups(props);
    const clusterName = props.clusterName ?? Names.uniqueResourceName(this, { maxLength: 90, separator: '-' });

    // CloudWatch Logs may use it for this cluster's control-plane log group only.
    const key = logEncryptionKey(
      this,
      'Key',
      `Encrypts the Kubernetes secrets, control-plane logs and model bucket of ${this.node.path}`,
      removalPolicy,
      `/aws/eks/${clusterName}/*`,
    );
    // EKS writes control-plane logs to this group; created first, so it has a retention and the key.
    const controlPlaneLogs = new logs.LogGroup(this, 'ControlPlaneLogs', {
      logGroupName: `/aws/eks/${clusterName}/cluster`,
      retention: props.controlPlaneLogRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: key,
      removalPolicy,
    });

    this.cluster = new eks.Cluster(this, 'Cluster', {
      clusterName,
      vpc: props.vpc,
      vpcSubnets: [subnets],
      version: props.kubernetesVersion ?? eks.KubernetesVersion.V1_33,
      endpointAccess: eks.EndpointAccess.PRIVATE,
      clusterLogging: ALL_LOG_TYPES,
      secretsEncryptionKey: key,
      // Managed node groups below; no Auto Mode, no default capacity.
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      kubectlProviderOptions: { kubectlLayer: new KubectlV33Layer(this, 'KubectlLayer') },
      removalPolicy,
    });
    this.cluster.node.addDependency(controlPlaneLogs);
    if (this.cluster.kubectlProvider) acknowledgeKubectlProvider(this.cluster.kubectlProvider);
    props.adminRoleArns?.forEach((arn, i) => this.cluster.grantClusterAdmin(`Admin${i}`, arn));

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
      launchTemplateSpec: this.launchTemplate('SystemLaunchTemplate', 50),
    });

    const gpuNodeGroups: Record<string, eks.Nodegroup> = {};
    for (const group of props.gpuNodeGroups) {
      gpuNodeGroups[group.name] = this.cluster.addNodegroupCapacity(`Gpu-${group.name}`, {
        instanceTypes: group.instanceTypes.map((type) => new ec2.InstanceType(type)),
        // The AL2023 AMI with NVIDIA drivers and container toolkit, named explicitly: left alone,
        // the module would pick the AL2 GPU AMI.
        amiType: eks.NodegroupAmiType.AL2023_X86_64_NVIDIA,
        capacityType: group.capacityType ?? eks.CapacityType.ON_DEMAND,
        minSize: group.minSize ?? 0,
        maxSize: group.maxSize,
        desiredSize: group.minSize ?? 0,
        subnets,
        labels: { [GPU_NODE_LABEL]: 'true', [NODE_GROUP_LABEL]: group.name },
        // Only pods that ask for GPUs (and tolerate this) land here.
        taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: eks.TaintEffect.NO_SCHEDULE }],
        launchTemplateSpec: this.launchTemplate(`GpuLaunchTemplate-${group.name}`, group.diskSizeGiB ?? 300),
      });
    }
    this.gpuNodeGroups = gpuNodeGroups;

    this.addons = new ServingAddons(this, 'Addons', {
      cluster: this.cluster,
      versions,
      podIdentityAgent,
      systemNodes,
    });

    this.modelBucket =
      props.modelBucket ??
      privateBucket(this, 'ModelBucket', {
        key,
        logPrefix: 'model-bucket/',
        removalPolicy,
        whyNoReplication:
          'Model weights are copies of published checkpoints, re-uploadable from their source: cross-region ' +
          'replication would double the storage of hundreds of GB for no recovery the source does not already give.',
      });
    this.modelServerRole = podIdentityRole(this, 'ModelServer', {
      cluster: this.cluster,
      agent: podIdentityAgent,
      namespace: this.namespace,
      serviceAccount: DEFAULT_SERVICE_ACCOUNT,
      description: 'Model servers: read model weights and repositories from the model bucket',
      // Read-only, this bucket only (and its key): the servers copy models, they never write.
      statements: [
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.modelBucket.bucketArn] }),
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.modelBucket.arnForObjects('*')] }),
        ...(this.modelBucket.encryptionKey
          ? [new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.modelBucket.encryptionKey.keyArn] })]
          : []),
      ],
    });

    const lbSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: props.vpc,
      description: 'Internal load balancers of the model servers: only callers let in explicitly',
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({ securityGroups: [lbSecurityGroup] });

    // The charts, synthesized by cdk8s and applied by the cluster's kubectl provider.
    const lbSubnets = props.vpc.selectSubnets(subnets).subnetIds;
    const region = Stack.of(this).region;
    const source = (prefix: string) => ({ bucketName: this.modelBucket.bucketName, prefix, region });
    const placement = (nodeGroup: string) => ({
      gpusPerNode: groups.get(nodeGroup)!,
      nodeSelector: { [NODE_GROUP_LABEL]: nodeGroup },
    });
    this.charts = addServingCharts(new cdk8s.App(), {
      prometheusServerAddress: PROMETHEUS_ADDRESS,
      loadBalancer: { securityGroupIds: [lbSecurityGroup.securityGroupId], subnetIds: lbSubnets },
      vllm: (props.vllm ?? []).map(({ nodeGroup, modelPrefix, ...workload }) => ({
        ...workload,
        ...placement(this.checkGroup(workload.name, nodeGroup, groups)),
        modelSource: modelPrefix === undefined ? undefined : source(modelPrefix),
      })),
      triton: (props.triton ?? []).map(({ nodeGroup, modelRepositoryPrefix, ...workload }) => ({
        ...workload,
        ...placement(this.checkGroup(workload.name, nodeGroup, groups)),
        modelRepository: source(modelRepositoryPrefix),
      })),
    });
    const namespaceManifest = this.cluster.addCdk8sChart('ServingNamespace', this.charts.namespace);
    namespaceManifest.node.addDependency(this.modelServerRole);

    this.privateZone = new route53.PrivateHostedZone(this, 'Zone', {
      zoneName: props.privateDomainName ?? 'model-serving.internal',
      vpc: props.vpc,
    });
    const workloads = [
      ...this.charts.vllm.map((chart) => ({ chart, server: 'vllm' })),
      ...this.charts.triton.map((chart) => ({ chart, server: 'triton' })),
    ];
    for (const { chart, server } of workloads) {
      const name = chart.server.deployment.name;
      const manifest = this.cluster.addCdk8sChart(`Workload-${name}`, chart);
      manifest.node.addDependency(namespaceManifest, this.addons.keda, this.addons.loadBalancerController);
      lbSecurityGroup.addEgressRule(ec2.Peer.ipv4(props.vpc.vpcCidrBlock), ec2.Port.tcp(chart.port), `To ${name} pods`);
      if (!chart.server.loadBalancerService) continue;
      // The controller names the NLB; its DNS name is read back and given a stable private name.
      const address = new eks.KubernetesObjectValue(this, `Address-${name}`, {
        cluster: this.cluster,
        objectType: 'service',
        objectName: chart.server.loadBalancerService.name,
        objectNamespace: this.namespace,
        jsonPath: '.status.loadBalancer.ingress[0].hostname',
        timeout: Duration.minutes(10),
      });
      address.node.addDependency(manifest);
      new route53.CnameRecord(this, `Dns-${name}`, {
        zone: this.privateZone,
        recordName: name,
        domainName: address.value,
        ttl: Duration.minutes(1),
      });
      this.endpoints.push({
        id: `${server}-${name}`,
        model: chart.servedModelName,
        host: `${name}.${this.privateZone.zoneName}`,
        port: chart.port,
        server,
      });
    }
    acknowledgeServingFindings(this, props.modelBucket ? undefined : this.modelBucket);
  }

  /** Lets `peer` (the gateway function) reach every model server's load balancer on its port. */
  allowFrom(peer: ec2.IConnectable, description = 'Gateway to the model servers'): void {
    for (const port of new Set(this.endpoints.map((e) => e.port))) {
      this.connections.allowFrom(peer, ec2.Port.tcp(port), description);
    }
  }

  /**
   * The gateway deployment entry of every workload behind a load balancer, keyed by deployment id
   * (`vllm-<name>`, `triton-<name>`): provider `openai-compatible`, its private base URL, and no
   * per-token price (the cluster's cost is its nodes').
   */
  gatewayDeployments(): Record<string, GatewayDeployment> {
    return Object.fromEntries(this.endpoints.map((e) => [e.id, gatewayDeploymentOf(e.model, e.host, e.port)]));
  }

  /**
   * A model entry for the gateway's "local" tier: the cluster's deployments in failover order
   * (vLLM first, then Triton). Put it under the model name your router's local tier uses.
   */
  localModelEntry(): GatewayModelEntry {
    return { deployments: this.endpoints.map((e) => e.id) };
  }

  private launchTemplate(id: string, diskSizeGiB: number): eks.LaunchTemplateSpec {
    const template = new ec2.LaunchTemplate(this, id, {
      // Pods must not borrow the node's role through instance metadata: IMDSv2 only, one hop.
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

  /** GPUs per node of each group, after checking the groups' props. */
  private checkNodeGroups(props: ModelServingClusterProps): Map<string, number> {
    const groups = new Map<string, number>();
    const fail = (message: string): never => {
      throw new Error(`ModelServingCluster ${this.node.path}: ${message}`);
    };
    for (const group of props.gpuNodeGroups) {
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
        fail(
          `GPU node group "${group.name}" mixes instance types with different GPU counts (${group.instanceTypes
            .map((t, i) => `${t}: ${counts[i]}`)
            .join(', ')}); the autoscaler and the workloads' placement need one count per group`,
        );
      }
      const minSize = group.minSize ?? 0;
      if (
        !Number.isInteger(minSize) ||
        minSize < 0 ||
        !Number.isInteger(group.maxSize) ||
        group.maxSize < Math.max(1, minSize)
      ) {
        fail(
          `GPU node group "${group.name}": minSize ${minSize} and maxSize ${group.maxSize} must be whole numbers with 0 <= min <= max and max >= 1`,
        );
      }
      groups.set(group.name, counts[0]!);
    }
    return groups;
  }

  private checkGroup(workload: string, nodeGroup: string, groups: Map<string, number>): string {
    if (!groups.has(nodeGroup)) {
      throw new Error(
        `ModelServingCluster ${this.node.path}: workload "${workload}" runs on node group "${nodeGroup}", which does not exist; ` +
          `known: ${[...groups.keys()].join(', ') || '(none: add one to gpuNodeGroups)'}`,
      );
    }
    return nodeGroup;
  }
}

/**
 * What eks-v2's kubectl provider (the function that applies manifests and Helm charts, and the
 * custom-resource framework's function before it) cannot meet, with why. The module makes them and
 * their log groups with no option for either.
 */
function acknowledgeKubectlProvider(provider: IConstruct): void {
  acknowledgeControl(
    provider,
    'CT.LAMBDA.PR.3',
    "Both functions run in the VPC's private subnets, in the cluster security group, which EKS creates " +
      'and the template names by an attribute of the cluster (Fn::GetAtt on AWS::EKS::Cluster): the rule ' +
      'recognises only security groups declared as AWS::EC2::SecurityGroup in the template.',
  );
  acknowledgeControl(
    provider,
    'CT.CLOUDWATCH.PR.3',
    "aws-cdk-lib eks-v2 creates these functions' log groups itself, with no option for a KMS key. They " +
      'hold what kubectl and Helm print while CloudFormation applies the serving charts, which carry no ' +
      'secret values (model servers read S3 through Pod Identity); the control-plane logs, which record ' +
      "the cluster's API calls, are encrypted with the cluster's key.",
  );
}
