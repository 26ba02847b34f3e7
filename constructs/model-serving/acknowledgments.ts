import type { IConstruct } from 'constructs';
import { acknowledgeControl } from '../shared/control-tower';
import {
  acknowledgeMatching,
  logicalIdOf,
  managedPolicyFinding,
  objectsFinding,
  qualifiersFinding,
} from '../shared/nag-acknowledgments';

/** eks-v2's kubectl provider: its handler, the custom-resource framework's function, their roles and logs. */
const KUBECTL_PROVIDER = /^Cluster\/KubectlProvider$/;
const KUBECTL_REASON =
  "The kubectl provider is aws-cdk-lib eks-v2's own deploy-time machinery (a handler in the VPC and the " +
  'custom-resource framework Lambda): it runs only while CloudFormation applies manifests and Helm charts, ' +
  'is invoked only by CloudFormation, and its roles, runtime, memory and log groups are set by the module ' +
  'and cannot be configured; the cluster itself is private and audited through its control-plane logs.';

/**
 * The cdk-nag findings a ModelServingCluster accepts for what it creates (most of them made by
 * aws-cdk-lib's eks-v2 module, reached by path), each with why. Call once the cluster, its node
 * groups, the add-ons' policies and the model server's role exist.
 */
export function acknowledgeServingFindings(
  serving: IConstruct,
  modelBucket: IConstruct | undefined,
  autoMode = false,
): void {
  const handler = serving.node
    .tryFindChild('Cluster')
    ?.node.tryFindChild('KubectlProvider')
    ?.node.tryFindChild('Handler');
  const ecrCondition = handler?.node.tryFindChild('HasEcrPublic');
  acknowledgeMatching(
    serving,
    KUBECTL_PROVIDER,
    [
      managedPolicyFinding('service-role/AWSLambdaBasicExecutionRole'),
      managedPolicyFinding('service-role/AWSLambdaVPCAccessExecutionRole'),
      ...(ecrCondition
        ? [
            `AwsSolutions-IAM4[Policy::{"Fn::If":["${logicalIdOf(ecrCondition)}",{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"]]},{"Ref":"AWS::NoValue"}]}]`,
          ]
        : []),
      ...(handler ? [qualifiersFinding(handler)] : []),
      'AwsSolutions-L1',
      'NIST.800.53.R5-IAMNoInlinePolicy',
      'NIST.800.53.R5-LambdaConcurrency',
      'NIST.800.53.R5-LambdaDLQ',
      'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaLatestVersion',
      'Serverless-LambdaDefaultMemorySize',
      // The handler pulls its image layers as the node groups do (below).
      managedPolicyFinding('AmazonEC2ContainerRegistryReadOnly'),
    ],
    KUBECTL_REASON,
  );
  acknowledgeMatching(
    serving,
    /^Cluster\/Role$/,
    [managedPolicyFinding('AmazonEKSClusterPolicy')],
    'The EKS cluster service role needs AmazonEKSClusterPolicy, which AWS maintains for the control plane as ' +
      'EKS evolves; a hand-copied policy would drift and break cluster operations.',
  );
  // Only with gpuCapacity 'autoMode' (acknowledged only then: each acknowledgment must be needed):
  // eks-v2 attaches Auto Mode's policies to the cluster role and makes the role of Auto Mode's nodes.
  if (autoMode) {
    acknowledgeMatching(
      serving,
      /^Cluster\/Role$/,
      ['Compute', 'BlockStorage', 'LoadBalancing', 'Networking'].map((p) =>
        managedPolicyFinding(`AmazonEKS${p}Policy`),
      ),
      'EKS Auto Mode requires these AWS-maintained policies on the cluster role: with them EKS launches and ' +
        'retires the nodes, volumes, load balancers and network interfaces of the GPU node pools; AWS updates ' +
        'them as Auto Mode evolves, which a hand-copied policy would not follow.',
    );
    acknowledgeMatching(
      serving,
      /^Cluster\/ClusternodePoolRole$/,
      [managedPolicyFinding('AmazonEKSWorkerNodePolicy'), managedPolicyFinding('AmazonEC2ContainerRegistryReadOnly')],
      "The role of EKS Auto Mode's nodes (joining the cluster, pulling images), as the AWS documentation " +
        'prescribes for it; pods get their own scoped roles through EKS Pod Identity.',
    );
  }
  acknowledgeMatching(
    serving,
    /^Cluster\/Nodegroup[^/]+\/NodeGroupRole$/,
    [
      managedPolicyFinding('AmazonEKSWorkerNodePolicy'),
      managedPolicyFinding('AmazonEKS_CNI_Policy'),
      managedPolicyFinding('AmazonEC2ContainerRegistryReadOnly'),
    ],
    'EKS managed node groups require these AWS-maintained policies on the node role (joining the cluster, ' +
      'pod networking, pulling images); the kubectl handler pulls its image layers the same way. Pods cannot ' +
      'use the node role: IMDSv2 with a hop limit of 1 keeps them from its credentials, and workloads get ' +
      'their own scoped roles through EKS Pod Identity.',
  );
  acknowledgeMatching(
    serving,
    /^Addons\/(ClusterAutoscaler|LoadBalancerController)Policy$/,
    ['AwsSolutions-IAM5[Resource::*]'],
    'The Cluster Autoscaler and the AWS Load Balancer Controller call Describe* / Get* APIs that have no ' +
      'resource-level permissions; their mutating actions are limited by tag conditions to this cluster ' +
      '(eks:cluster-name on the Auto Scaling groups, elbv2.k8s.aws/cluster on load balancers and groups).',
  );
  const arn = (r: string) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticloadbalancing:*:*:${r}]`;
  acknowledgeMatching(
    serving,
    /^Addons\/LoadBalancerControllerPolicy$/,
    [
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*:*:security-group/*]',
      ...['loadbalancer/app/*/*', 'loadbalancer/net/*/*', 'targetgroup/*/*'].map(arn),
      ...['listener-rule/app/*/*/*', 'listener-rule/net/*/*/*', 'listener/app/*/*/*', 'listener/net/*/*/*'].map(arn),
    ],
    "The AWS Load Balancer Controller's published IAM policy (shipped with aws-cdk-lib for the pinned " +
      'version): it creates load balancers whose names are generated at run time, so resources are ' +
      'wildcards guarded by the controller-owned tag conditions of that policy; the role is bound to the ' +
      "controller's service account only, through Pod Identity.",
  );
  if (modelBucket) {
    acknowledgeMatching(
      serving,
      /^ModelBucketReaderPolicy$/,
      [objectsFinding(modelBucket)],
      'The Mountpoint CSI driver reads any object of the model bucket for the model servers (s3:GetObject only, ' +
        'no write or delete; mounted read-only): the bucket holds nothing but model weights, tokenizers and ' +
        'repositories, and which model a workload loads is its own prefix, set in its chart.',
    );
  }
}

/**
 * What eks-v2's kubectl provider (the function that applies manifests and Helm charts, and the
 * custom-resource framework's function before it) cannot meet, with why. The module makes them and
 * their log groups with no option for either.
 */
export function acknowledgeKubectlProvider(provider: IConstruct): void {
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
      'secret values (the model bucket is mounted through Pod Identity; tokens and Redis users come from Secrets Manager through External Secrets); the control-plane logs, which record ' +
      "the cluster's API calls, are encrypted with the cluster's key.",
  );
}
