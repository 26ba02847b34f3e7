import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ResponseCache } from '../../constructs/response-cache';
import { ModelServingCluster, type ModelServingClusterProps } from '../../constructs/model-serving';
import { servingDemandKey } from '../../lambda/contract/serving-demand';
import { gatewayConfigSchema } from '../../lambda/contract/config/gateway-config';
import { manifestSchemaErrors, type KubernetesObject } from '../support/kubernetes-schemas';
import { testApp } from '../support/platform-app';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A fresh stack with a plain VPC: the construct used alone, as an importing team would. */
function build(props: Partial<ModelServingClusterProps> = {}) {
  const stack = new Stack(testApp(), 'Serving', { env: { region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 1 });
  const cache = ResponseCache.fromResponseCacheAttributes(stack, 'Cache', {
    endpointAddress: 'master.gateway-cache.abc123.euw1.cache.amazonaws.com',
    port: 6379,
    gatewayUsername: 'gateway',
    gatewayPasswordSecret: secretsmanager.Secret.fromSecretCompleteArn(
      stack,
      'CacheUser',
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:gateway-cache-user-AbCdEf',
    ),
    securityGroups: [new ec2.SecurityGroup(stack, 'CacheSg', { vpc })],
  });
  const hubToken = secretsmanager.Secret.fromSecretNameV2(stack, 'HubToken', 'hugging-face-token');
  const serving = new ModelServingCluster(stack, 'ModelServing', {
    vpc,
    gpuNodeGroups: [
      { name: 'l4', instanceTypes: ['g6.xlarge', 'g5.xlarge'], capacityType: eks.CapacityType.SPOT, maxSize: 4 },
      { name: 'l4x4', instanceTypes: ['g6.12xlarge'], maxSize: 2 },
    ],
    vllm: [
      {
        name: 'llama',
        model: 'meta-llama/Llama-3.1-8B-Instruct',
        nodeGroup: 'l4',
        modelPrefix: 'llama-3.1-8b/',
        autoscaling: { minReplicas: 0, maxReplicas: 4 },
      },
      {
        name: 'qwen',
        model: 'Qwen/Qwen2.5-32B-Instruct-AWQ',
        modelPrefix: 'qwen-2.5-32b-awq/',
        quantization: 'awq',
        tensorParallelSize: 4,
        nodeGroup: 'l4x4',
      },
    ],
    triton: [
      {
        name: 'triton-llama',
        model: 'llama-3.1-8b-instruct',
        // The tokenizer fetched from the Hub with a token from Secrets Manager (External Secrets).
        tokenizer: 'meta-llama/Llama-3.1-8B-Instruct',
        huggingFaceToken: { secret: hubToken },
        nodeGroup: 'l4',
        modelRepositoryPrefix: 'triton/',
      },
    ],
    demandSignal: { cache },
    ...props,
  });
  return { stack, vpc, serving };
}

const { stack, serving } = build();
const gateway = new ec2.SecurityGroup(stack, 'GatewayFunction', { vpc: serving.cluster.vpc });
serving.allowFrom(gateway);
const template = Template.fromStack(stack);
const resources = (type: string): Obj[] => Object.values(template.findResources(type));

describe('the EKS cluster', () => {
  test('has a private API endpoint only', () => {
    template.hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: Match.objectLike({ EndpointPrivateAccess: true, EndpointPublicAccess: false }),
    });
  });

  test('sends every control-plane log type to an encrypted log group with a retention', () => {
    template.hasResourceProperties('AWS::EKS::Cluster', {
      Logging: {
        ClusterLogging: {
          EnabledTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'].map((type) => ({
            Type: type,
          })),
        },
      },
    });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: {
        LogGroupName: Match.stringLikeRegexp('^/aws/eks/.+/cluster$'),
        KmsKeyId: Match.anyValue(),
        RetentionInDays: 365,
      },
      DeletionPolicy: 'Retain',
    });
  });

  test('encrypts Kubernetes secrets with a rotated KMS key and authenticates through access entries', () => {
    template.hasResourceProperties('AWS::EKS::Cluster', {
      EncryptionConfig: [{ Provider: { KeyArn: Match.anyValue() }, Resources: ['secrets'] }],
      AccessConfig: Match.objectLike({ AuthenticationMode: 'API' }),
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('GPU node groups: AL2023 NVIDIA AMI, GPU taint and labels, from zero nodes, spot or on-demand', () => {
    const groups = resources('AWS::EKS::Nodegroup').map((r) => r.Properties);
    const gpu = groups.filter((g) => g.AmiType === 'AL2023_x86_64_NVIDIA');
    expect(gpu).toHaveLength(2);
    for (const group of gpu) {
      expect(group.Taints).toEqual([{ Key: 'nvidia.com/gpu', Value: 'true', Effect: 'NO_SCHEDULE' }]);
      // What the Cluster Autoscaler needs to scale an empty group up: GPUs, labels and the taint.
      const gpus = group.InstanceTypes[0] === 'g6.12xlarge' ? '4' : '1';
      expect(group.Tags).toMatchObject({
        'k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu': gpus,
        'k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu': 'true:NoSchedule',
        'k8s.io/cluster-autoscaler/node-template/label/nvidia.com/gpu.present': 'true',
        'k8s.io/cluster-autoscaler/node-template/label/llm-platform/node-group':
          group.Labels['llm-platform/node-group'],
      });
      expect(group.ScalingConfig.MinSize).toBe(0);
      expect(group.Labels['nvidia.com/gpu.present']).toBe('true');
      expect(group.LaunchTemplate).toBeDefined();
    }
    expect(gpu.map((g) => [g.Labels['llm-platform/node-group'], g.CapacityType, g.InstanceTypes])).toEqual([
      ['l4', 'SPOT', ['g6.xlarge', 'g5.xlarge']],
      ['l4x4', 'ON_DEMAND', ['g6.12xlarge']],
    ]);
    const system = groups.filter((g) => g.AmiType === 'AL2023_x86_64_STANDARD');
    expect(system).toHaveLength(1);
    expect(system[0].Taints).toBeUndefined();
  });

  test('every node requires IMDSv2 with a hop limit of 1, an encrypted root volume, detailed monitoring', () => {
    const templates = resources('AWS::EC2::LaunchTemplate');
    expect(templates).toHaveLength(3);
    for (const lt of templates) {
      expect(lt.Properties.LaunchTemplateData.MetadataOptions).toEqual({
        HttpEndpoint: 'enabled',
        HttpPutResponseHopLimit: 1,
        HttpTokens: 'required',
      });
      expect(lt.Properties.LaunchTemplateData.BlockDeviceMappings[0].Ebs).toMatchObject({
        Encrypted: true,
        VolumeType: 'gp3',
      });
      // One-minute EC2 metrics (CT.EC2.PR.10): a GPU node's CPU, network and disk at the resolution
      // of the scaling decisions made about it.
      expect(lt.Properties.LaunchTemplateData.Monitoring).toEqual({ Enabled: true });
    }
  });

  test('installs the device plugin, DCGM exporter, Prometheus, KEDA, Cluster Autoscaler and LB controller', () => {
    const charts = resources('Custom::AWSCDK-EKS-HelmChart').map((r) => r.Properties);
    expect(charts.map((c) => c.Chart).sort()).toEqual(
      [
        'aws-load-balancer-controller',
        'cluster-autoscaler',
        'dcgm-exporter',
        'external-secrets',
        'keda',
        'nvidia-device-plugin',
        'prometheus',
      ].sort(),
    );
    expect(charts.every((c) => typeof c.Version === 'string' && c.Version.length > 0)).toBe(true);
    const plugin = charts.find((c) => c.Chart === 'nvidia-device-plugin');
    expect(JSON.stringify(plugin.Values)).toContain('nvidia.com/gpu');
  });

  test('the controllers that call AWS get their role through EKS Pod Identity', () => {
    expect(
      resources('AWS::EKS::Addon')
        .map((r) => r.Properties.AddonName)
        .sort(),
    ).toEqual(['aws-mountpoint-s3-csi-driver', 'eks-pod-identity-agent']);
    const associations = resources('AWS::EKS::PodIdentityAssociation').map((r) => r.Properties);
    expect(associations.map((a) => `${a.Namespace}/${a.ServiceAccount}`).sort()).toEqual([
      'external-secrets/external-secrets',
      'kube-system/aws-load-balancer-controller',
      'kube-system/cluster-autoscaler',
      'kube-system/s3-csi-driver-sa',
    ]);
  });

  test('External Secrets may read exactly the Hub token and the cache user, nothing else', () => {
    const association = resources('AWS::EKS::PodIdentityAssociation').find(
      (r) => r.Properties.ServiceAccount === 'external-secrets',
    )!;
    const role = template.findResources('AWS::IAM::Role')[association.Properties.RoleArn['Fn::GetAtt'][0]];
    const policy = template.findResources('AWS::IAM::ManagedPolicy')[role.Properties.ManagedPolicyArns[0].Ref];
    const [read] = policy.Properties.PolicyDocument.Statement as Obj[];
    expect([read.Action].flat().sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    expect(JSON.stringify(read.Resource)).toContain(':secret:hugging-face-token-??????');
    expect(JSON.stringify(read.Resource)).toContain('secret:gateway-cache-user-AbCdEf');
    expect(JSON.stringify(read.Resource)).not.toContain('*"');
  });
});

describe('the model bucket', () => {
  test('is KMS-encrypted, private, versioned, logged and TLS only', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'model-bucket/' }),
    });
    const policies = resources('AWS::S3::BucketPolicy').map((r) => JSON.stringify(r.Properties));
    expect(policies.every((p) => p.includes('"aws:SecureTransport":"false"'))).toBe(true);
  });

  test('the Mountpoint driver reads it for the servers through a Pod Identity role scoped to it, and writes nothing', () => {
    const association = resources('AWS::EKS::PodIdentityAssociation').find(
      (r) => r.Properties.ServiceAccount === 's3-csi-driver-sa',
    )!;
    const roleId = association.Properties.RoleArn['Fn::GetAtt'][0];
    const role = template.findResources('AWS::IAM::Role')[roleId];
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0]).toMatchObject({
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Principal: { Service: 'pods.eks.amazonaws.com' },
    });
    expect(role.Properties.Policies).toBeUndefined();
    const policyId = role.Properties.ManagedPolicyArns[0].Ref;
    const policy = template.findResources('AWS::IAM::ManagedPolicy')[policyId];
    const statements = policy.Properties.PolicyDocument.Statement as Obj[];
    expect(statements.map((s) => s.Action)).toEqual(['s3:ListBucket', 's3:GetObject', 'kms:Decrypt']);
    const bucketId = Object.keys(template.findResources('AWS::S3::Bucket')).find(
      (id) => id.includes('ModelBucket') && !id.includes('AccessLogs'),
    )!;
    expect(statements[0].Resource).toEqual({ 'Fn::GetAtt': [bucketId, 'Arn'] });
    expect(JSON.stringify(statements[1].Resource)).toContain(bucketId);
  });

  test('the model bucket sends its events to EventBridge, declared in its own properties', () => {
    // CT.S3.PR.4: a rule on the default bus can start a rollout when new weights land.
    const [bucket] = Object.entries(template.findResources('AWS::S3::Bucket')).filter(
      ([id]) => id.includes('ModelBucket') && !id.includes('AccessLogs'),
    );
    expect(bucket[1].Properties.NotificationConfiguration).toEqual({
      EventBridgeConfiguration: { EventBridgeEnabled: true },
    });
    expect(template.findResources('Custom::S3BucketNotifications')).toEqual({});
  });
});

describe('the workloads and their way in', () => {
  test('each chart is applied to the cluster after KEDA and the LB controller', () => {
    const manifests = template.findResources('Custom::AWSCDK-EKS-KubernetesResource');
    const workloads = Object.entries(manifests).filter(([, r]) =>
      JSON.stringify(r.Properties.Manifest).includes('ScaledObject'),
    );
    expect(workloads).toHaveLength(3);
    const helm = template.findResources('Custom::AWSCDK-EKS-HelmChart');
    const kedaId = Object.keys(helm).find((id) => helm[id].Properties.Chart === 'keda')!;
    const lbcId = Object.keys(helm).find((id) => helm[id].Properties.Chart === 'aws-load-balancer-controller')!;
    for (const [, resource] of workloads) {
      expect(resource.DependsOn).toEqual(expect.arrayContaining([kedaId, lbcId]));
    }
  });

  test('every manifest the cluster applies is valid Kubernetes', () => {
    const manifests = serving.charts.all.flatMap((chart) => chart.toJson()) as KubernetesObject[];
    expect(manifests.length).toBeGreaterThan(10);
    expect(manifestSchemaErrors(manifests)).toEqual([]);
  });

  test('workloads run on the node group they name, with its GPU count checked', () => {
    const [llama, qwen] = serving.charts.vllm.map((chart) => chart.toJson().find((o: Obj) => o.kind === 'Deployment'));
    expect(llama.spec.template.spec.nodeSelector).toEqual({ 'llm-platform/node-group': 'l4' });
    expect(qwen.spec.template.spec.nodeSelector).toEqual({ 'llm-platform/node-group': 'l4x4' });
    expect(qwen.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe('4');
  });

  test('load balancers are internal, behind a security group that admits only the gateway', () => {
    const services = serving.charts.all
      .flatMap((chart) => chart.toJson())
      .filter((o: Obj) => o.kind === 'Service' && o.spec.type === 'LoadBalancer');
    expect(services).toHaveLength(3);
    for (const service of services) {
      expect(service.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-scheme']).toBe('internal');
    }
    const sg = Object.values(template.findResources('AWS::EC2::SecurityGroup')).find((r: Obj) =>
      r.Properties.GroupDescription.startsWith('Internal load balancers'),
    ) as Obj;
    expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
    const ingress = resources('AWS::EC2::SecurityGroupIngress').map((r) => r.Properties);
    const fromGateway = ingress.filter((i) => JSON.stringify(i.SourceSecurityGroupId).includes('GatewayFunction'));
    expect(fromGateway.map((i) => i.FromPort).sort()).toEqual([8000, 9000]);
    expect(ingress.some((i) => i.CidrIp === '0.0.0.0/0')).toBe(false);
  });

  test('each load balancer gets a private DNS name in the VPC', () => {
    template.hasResourceProperties('AWS::Route53::HostedZone', {
      Name: 'model-serving.internal.',
      VPCs: Match.anyValue(),
    });
    const records = resources('AWS::Route53::RecordSet').map((r) => r.Properties);
    expect(records.map((r) => [r.Name, r.Type]).sort()).toEqual([
      ['llama.model-serving.internal.', 'CNAME'],
      ['qwen.model-serving.internal.', 'CNAME'],
      ['triton-llama.model-serving.internal.', 'CNAME'],
    ]);
    template.resourceCountIs('Custom::AWSCDK-EKS-KubernetesObjectValue', 3);
  });

  test('gateway deployment entries are valid gateway config, with a local-tier model entry', () => {
    const deployments = serving.gatewayDeployments();
    expect(deployments['vllm-llama']).toEqual({
      provider: 'openai-compatible',
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      baseUrl: 'http://llama.model-serving.internal:8000/v1',
      timeouts: { firstByteMs: 30_000, totalMs: 300_000 },
      pricing: { input: 0, output: 0 },
      // At zero replicas when idle: the gateway records demand for it when it gives up on it.
      wakeOnDemand: true,
    });
    expect(deployments['vllm-qwen'].wakeOnDemand).toBeUndefined();
    expect(deployments['triton-triton-llama'].baseUrl).toBe('http://triton-llama.model-serving.internal:9000/v1');
    const config = gatewayConfigSchema.safeParse({ models: { local: serving.localModelEntry() }, deployments });
    expect(config.success).toBe(true);
    expect(serving.localModelEntry().deployments).toEqual(['vllm-llama', 'vllm-qwen', 'triton-triton-llama']);
    expect(serving.localModelEntry(['hosted']).deployments).toEqual([
      'vllm-llama',
      'vllm-qwen',
      'triton-triton-llama',
      'hosted',
    ]);
  });

  test("each workload's demand trigger reads its own deployment's list in the gateway's cache, as the gateway's user", () => {
    const charts = [
      ...serving.charts.vllm.map((chart) => ({ chart, id: `vllm-${chart.server.deployment.name}` })),
      ...serving.charts.triton.map((chart) => ({ chart, id: `triton-${chart.server.deployment.name}` })),
    ];
    expect(charts.map((c) => c.id).sort()).toEqual(Object.keys(serving.gatewayDeployments()).sort());
    for (const { chart, id } of charts) {
      const scaled = chart.toJson().find((o: Obj) => o.kind === 'ScaledObject');
      const trigger = scaled.spec.triggers.find((t: Obj) => t.type === 'redis');
      expect(trigger.metadata).toMatchObject({
        address: 'master.gateway-cache.abc123.euw1.cache.amazonaws.com:6379',
        listName: servingDemandKey(id),
        enableTLS: 'true',
      });
      expect(trigger.authenticationRef).toEqual({ name: 'gateway-redis' });
    }
    const namespace = serving.charts.namespace.toJson();
    const external = namespace.find((o: Obj) => o.kind === 'ExternalSecret');
    expect(external.spec.data.map((d: Obj) => [d.secretKey, d.remoteRef.property])).toEqual([
      ['username', 'username'],
      ['password', 'password'],
    ]);
    // The cache admits the cluster's pods (KEDA) on its port.
    const ingress = resources('AWS::EC2::SecurityGroupIngress').map((r) => r.Properties);
    expect(
      ingress.some(
        (i) =>
          JSON.stringify(i.GroupId).includes('CacheSg') &&
          i.FromPort === 6379 &&
          JSON.stringify(i.SourceSecurityGroupId).includes('ClusterSecurityGroupId'),
      ),
    ).toBe(true);
  });
});

describe('bad props are refused with what was given and what to do', () => {
  test.each<[string, Partial<ModelServingClusterProps>, RegExp]>([
    [
      'a replica wider than its nodes',
      {
        vllm: [{ name: 'big', model: 'm', tensorParallelSize: 2, nodeGroup: 'one' }],
        triton: [],
        gpuNodeGroups: [{ name: 'one', instanceTypes: ['g6.xlarge'], maxSize: 1 }],
      },
      /"big": tensorParallelSize is 2 but the nodes it runs on have 1 GPUs each/,
    ],
    [
      'a workload on a node group that does not exist',
      { vllm: [{ name: 'x', model: 'm', nodeGroup: 'h100' }], triton: [] },
      /workload "x" runs on node group "h100", which does not exist; known: l4, l4x4/,
    ],
    [
      'instance types with different GPU counts in one group',
      {
        gpuNodeGroups: [{ name: 'l4', instanceTypes: ['g6.xlarge', 'g6.12xlarge'], maxSize: 1 }],
        vllm: [],
        triton: [],
      },
      /mixes instance types with different GPU counts \(g6.xlarge: 1, g6.12xlarge: 4\)/,
    ],
    [
      'an instance type with no GPU',
      { gpuNodeGroups: [{ name: 'cpu', instanceTypes: ['m7i.large'], maxSize: 1 }], vllm: [], triton: [] },
      /m7i.large is not a GPU instance type this construct knows; set gpusPerInstance/,
    ],
    [
      'min above max',
      { gpuNodeGroups: [{ name: 'l4', instanceTypes: ['g6.xlarge'], minSize: 3, maxSize: 2 }], vllm: [], triton: [] },
      /minSize 3 and maxSize 2 must be whole numbers with 0 <= min <= max/,
    ],
  ])('%s', (_case, props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});
