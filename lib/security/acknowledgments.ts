import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Every cdk-nag finding the platform accepts, in one reviewed place. Each names the rule, the
 * constructs it applies to (by path below the stack) and why a security reviewer can accept it.
 * Fix before you acknowledge: an entry here is for findings that are wrong for this design, not
 * for findings that are inconvenient.
 */
export interface Acknowledgment {
  /** Rule id, with the finding in brackets where a rule reports several (`AwsSolutions-IAM5[Resource::*]`). */
  readonly rule: string;
  /** Matches the construct path below the stack, e.g. `Network/Vpc/PublicSubnet1`. */
  readonly path: RegExp;
  readonly reason: string;
}

/** One reason for several rules on the same constructs. */
function acknowledgeEach(rules: readonly string[], path: RegExp, reason: string): Acknowledgment[] {
  return rules.map((rule) => ({ rule, path, reason }));
}

const MANAGED = (name: string) => `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`;
const KUBECTL_PROVIDER =
  /^Serving\/Cluster\/KubectlProvider\/(Handler|Provider\/framework-onEvent)(\/ServiceRole(\/DefaultPolicy)?|\/LogGroup)?$/;
const KUBECTL_REASON =
  "The kubectl provider is aws-cdk-lib eks-v2's own deploy-time machinery (a handler in the VPC and the " +
  'custom-resource framework Lambda): it runs only while CloudFormation applies manifests and Helm charts, ' +
  'is invoked only by CloudFormation, and its roles, runtime, memory and log groups are set by the module ' +
  'and cannot be configured; the cluster itself is private and audited through its control-plane logs.';

/**
 * Model serving (constructs/model-serving), in the environments that enable it. Some finding ids
 * carry logical ids, which follow from the construct path `Serving` in LlmPlatformStack; the
 * still-needed test fails if a rename leaves one behind.
 */
const SERVING_ACKNOWLEDGMENTS: readonly Acknowledgment[] = [
  ...acknowledgeEach(
    [
      MANAGED('service-role/AWSLambdaBasicExecutionRole'),
      MANAGED('service-role/AWSLambdaVPCAccessExecutionRole'),
      'AwsSolutions-IAM4[Policy::{"Fn::If":["ServingClusterKubectlProviderHandlerHasEcrPublicCD9C2265",{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"]]},{"Ref":"AWS::NoValue"}]}]',
      'AwsSolutions-IAM5[Resource::<ServingClusterKubectlProviderHandler86C000B2.Arn>:*]',
      'AwsSolutions-L1',
      'NIST.800.53.R5-IAMNoInlinePolicy',
      'NIST.800.53.R5-LambdaConcurrency',
      'NIST.800.53.R5-LambdaDLQ',
      'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaLatestVersion',
      'Serverless-LambdaDefaultMemorySize',
    ],
    KUBECTL_PROVIDER,
    KUBECTL_REASON,
  ),
  {
    rule: MANAGED('AmazonEKSClusterPolicy'),
    path: /^Serving\/Cluster\/Role$/,
    reason:
      'The EKS cluster service role needs AmazonEKSClusterPolicy, which AWS maintains for the control plane as ' +
      'EKS evolves; a hand-copied policy would drift and break cluster operations.',
  },
  ...acknowledgeEach(
    [
      MANAGED('AmazonEKSWorkerNodePolicy'),
      MANAGED('AmazonEKS_CNI_Policy'),
      MANAGED('AmazonEC2ContainerRegistryReadOnly'),
    ],
    /^Serving\/Cluster\/(Nodegroup[^/]+\/NodeGroupRole|KubectlProvider\/Handler\/ServiceRole)$/,
    'EKS managed node groups require these AWS-maintained policies on the node role (joining the cluster, ' +
      'pod networking, pulling images); the kubectl handler pulls its image layers the same way. Pods cannot ' +
      'use the node role: IMDSv2 with a hop limit of 1 keeps them from its credentials, and workloads get ' +
      'their own scoped roles through EKS Pod Identity.',
  ),
  {
    rule: 'AwsSolutions-IAM5[Resource::*]',
    path: /^Serving\/Addons\/(ClusterAutoscaler|LoadBalancerController)Policy$/,
    reason:
      'The Cluster Autoscaler and the AWS Load Balancer Controller call Describe* / Get* APIs that have no ' +
      'resource-level permissions; their mutating actions are limited by tag conditions to this cluster ' +
      '(eks:cluster-name on the Auto Scaling groups, elbv2.k8s.aws/cluster on load balancers and groups).',
  },
  ...acknowledgeEach(
    [
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*:*:security-group/*]',
      ...['loadbalancer/app/*/*', 'loadbalancer/net/*/*', 'targetgroup/*/*'].map(
        (r) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticloadbalancing:*:*:${r}]`,
      ),
      ...['listener-rule/app/*/*/*', 'listener-rule/net/*/*/*', 'listener/app/*/*/*', 'listener/net/*/*/*'].map(
        (r) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticloadbalancing:*:*:${r}]`,
      ),
    ],
    /^Serving\/Addons\/LoadBalancerControllerPolicy$/,
    "The AWS Load Balancer Controller's published IAM policy (shipped with aws-cdk-lib for the pinned " +
      'version): it creates load balancers whose names are generated at run time, so resources are ' +
      'wildcards guarded by the controller-owned tag conditions of that policy; the role is bound to the ' +
      "controller's service account only, through Pod Identity.",
  ),
  {
    rule: 'AwsSolutions-IAM5[Resource::<ServingModelBucket5E1C7196.Arn>/*]',
    path: /^Serving\/ModelServerPolicy$/,
    reason:
      'The model servers read any object of the model bucket (s3:GetObject only, no write or delete): the ' +
      'bucket holds nothing but model weights and repositories, and which model a workload loads is its own ' +
      'prefix, set in its chart.',
  },
  {
    rule: 'NIST.800.53.R5-S3BucketReplicationEnabled',
    path: /^(Serving\/ModelBucket(AccessLogs)?|Embeddings\/IngestionBucket(AccessLogs)?)$/,
    reason:
      'Model weights are copies of published checkpoints, re-uploadable from their source, and versioning ' +
      'guards against overwrites; cross-region replication would double the storage of hundreds of GB for ' +
      'no recovery the source does not already give. Dropped documents are a transit copy of what the ' +
      'tenant sent (the text is kept in the database once ingested). Access logs stay in the region by design.',
  },
  {
    rule: 'NIST.800.53.R5-S3DefaultEncryptionKMS',
    path: /^(Serving\/ModelBucketAccessLogs|Embeddings\/IngestionBucketAccessLogs)$/,
    reason:
      'S3 server access logging can only deliver to a bucket encrypted with SSE-S3, not SSE-KMS, so the ' +
      'access-log bucket uses S3-managed encryption; the bucket it records is KMS-encrypted.',
  },
];

export const PLATFORM_ACKNOWLEDGMENTS: readonly Acknowledgment[] = [
  {
    rule: 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
    path: /^Network\/Vpc\/PublicSubnet\d+\/DefaultRoute$/,
    reason:
      'Public subnets hold only the NAT gateways, which need a default route to the internet gateway to ' +
      'give private subnets egress to model providers. No instance in them has a public address ' +
      '(MapPublicIpOnLaunch is false); compute and data live in private and isolated subnets.',
  },
  ...['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy'].map((rule) => ({
    rule,
    path: /^(Observability\/Alarms|CostGuardrails\/Notifications|CostGuardrails\/KillSwitch|CostGuardrails\/KillSwitch\/Topic|Jobs|Embeddings)\/DeadLetters$/,
    reason:
      'This queue is itself a dead-letter queue: SNS moves alarm and budget notifications it could not ' +
      'deliver to a subscriber here, Lambda the kill-switch invocations that failed, or SQS the job and ' +
      'embedding messages that failed maxReceiveCount times (an SNS redrive policy, a function dead-letter ' +
      "config or the source queue's redrive policy, which the rules do not recognise on this side). " +
      'A dead-letter queue of a dead-letter queue has nowhere useful to go; instead the queue is encrypted, ' +
      'keeps messages 14 days and has its own "not empty" alarm on the platform dashboards.',
  })),
  // --- The gateway's data stores (ResponseCache, VectorStore, ProviderSecrets) ---
  {
    rule: 'AwsSolutions-AEC6',
    path: /^ResponseCache\/Resource$/,
    reason:
      'The rule only recognises a shared AUTH token. The cache uses RBAC instead (userGroupIds): the gateway ' +
      'authenticates as its own user with a generated password and an ACL limited to its key prefix, and the ' +
      '"default" user is replaced by a disabled one, so no client runs a command unauthenticated.',
  },
  {
    rule: 'AwsSolutions-AEC4',
    path: /^ResponseCache\/Resource$/,
    reason:
      'Only environments with highAvailability false (dev, staging) run a single cache node to save cost; ' +
      'highly available environments get Multi-AZ with automatic failover (the config schema requires a ' +
      'replica there). A lost dev node costs cached answers and counters, which the gateway rebuilds.',
  },
  {
    rule: 'AwsSolutions-SMG4',
    path: /^ResponseCache\/GatewayPassword\/Resource$/,
    reason:
      "The cache user's password is generated by Secrets Manager (64 characters), KMS-encrypted, readable only " +
      "by clients granted with grantConnect, and only usable from inside the cache's security group over TLS. " +
      'ElastiCache RBAC passwords have no Secrets Manager-hosted rotation function; rotate by updating the ' +
      'secret and the user together (README, "ResponseCache").',
  },
  {
    rule: 'NIST.800.53.R5-SecretsManagerRotationEnabled',
    path: /^ResponseCache\/GatewayPassword\/Resource$/,
    reason:
      'Same secret as the AwsSolutions-SMG4 acknowledgment: a generated ElastiCache RBAC password, KMS-encrypted, ' +
      'usable only over TLS from granted security groups; ElastiCache offers no hosted rotation for RBAC users.',
  },
  {
    rule: 'AwsSolutions-SMG4',
    path: /^ProviderSecrets\/Credential-[a-z0-9-]+\/Resource$/,
    reason:
      'Third-party model provider API keys (OpenAI, Anthropic) are issued by the provider, not by AWS: no hosted ' +
      'rotation exists. ProviderSecrets takes a rotation function per credential (`rotations`) for providers ' +
      'with an admin API, and raises an EventBridge event on every change (onCredentialChange) for the others.',
  },
  {
    rule: 'NIST.800.53.R5-SecretsManagerRotationEnabled',
    path: /^ProviderSecrets\/Credential-[a-z0-9-]+\/Resource$/,
    reason:
      'Same secrets as the AwsSolutions-SMG4 acknowledgment: provider-issued API keys with no hosted rotation; ' +
      'a per-credential rotation function can be given (`rotations`), and every change raises an event.',
  },
  {
    rule: 'AwsSolutions-RDS10',
    path: /^VectorStore\/Cluster\/Resource$/,
    reason:
      'Deletion protection is on wherever highAvailability is true (production). Environments without it ' +
      '(dev, staging) are meant to be torn down and rebuilt; their semantic-cache data is disposable.',
  },
  {
    rule: 'NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled',
    path: /^VectorStore\/Cluster\/Resource$/,
    reason:
      'Same as the AwsSolutions-RDS10 acknowledgment: deletion protection (and a retained cluster) wherever ' +
      'highAvailability is true; dev and staging hold only disposable cache data and are torn down freely.',
  },
  {
    rule: 'NIST.800.53.R5-RDSInBackupPlan',
    path: /^VectorStore\/Cluster\/(Writer|Reader)\/Resource$/,
    reason:
      'Aurora backs the cluster up continuously with point-in-time restore (35 days when highly available), ' +
      "encrypted with the store's key. Enrolling it in an AWS Backup plan (often an organisation-wide, " +
      'cross-account policy) is left to the account owner rather than hard-wired into the construct.',
  },
  {
    rule: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
    path: /^VectorStore\/Cluster\/MonitoringRole\/Resource$/,
    reason:
      'Enhanced Monitoring needs a role RDS assumes to write OS metrics to the RDSOSMetrics log group; ' +
      'AmazonRDSEnhancedMonitoringRole is the AWS-maintained policy for exactly that and nothing else.',
  },
  ...['AWSLambdaBasicExecutionRole', 'AWSLambdaVPCAccessExecutionRole'].map((policy) => ({
    rule: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${policy}]`,
    path: /^VectorStore\/(SchemaFunction|SchemaProvider\/framework-onEvent)\/ServiceRole\/Resource$/,
    reason:
      "The schema step's function and the CDK custom-resource framework function that invokes it run in the " +
      'VPC: the AWS-maintained policies grant exactly writing their own logs and managing their network ' +
      'interfaces. Their data access is granted separately, per secret.',
  })),
  {
    rule: 'AwsSolutions-IAM5[Resource::<VectorStoreSchemaFunctionB0550B19.Arn>:*]',
    path: /^VectorStore\/SchemaProvider\/framework-onEvent\/ServiceRole\/DefaultPolicy\/Resource$/,
    reason:
      'The CDK custom-resource framework may invoke the versions and aliases of exactly one function, the ' +
      'schema step\'s (its ARN followed by ":*"): the wildcard spans qualifiers of that function only.',
  },
  {
    rule: 'NIST.800.53.R5-IAMNoInlinePolicy',
    path: /^VectorStore\/(SchemaFunction|SchemaProvider\/framework-onEvent)\/ServiceRole\/DefaultPolicy\/Resource$/,
    reason:
      "CDK grants write each function's permissions into a policy of its own role: reading exactly the two " +
      'database secrets (and decrypting them) for the schema step, invoking exactly that function for the ' +
      'framework. A policy attached to one role only is what the rule wants from a managed policy.',
  },
  {
    rule: 'NIST.800.53.R5-LambdaConcurrency',
    path: /^VectorStore\/(SchemaFunction|SchemaProvider\/framework-onEvent)\/Resource$/,
    reason:
      'These functions run once per deployment, invoked by CloudFormation; concurrent runs are serialised by ' +
      'an advisory lock in the database. Reserving concurrency would take capacity from the account (and ' +
      'fails outright in accounts with the default limit of 10) for no protection.',
  },
  ...['NIST.800.53.R5-LambdaDLQ', 'Serverless-LambdaDLQ'].map((rule) => ({
    rule,
    path: /^VectorStore\/(SchemaFunction|SchemaProvider\/framework-onEvent)\/Resource$/,
    reason:
      'The schema step reports every failure to CloudFormation, which fails and rolls back the deployment ' +
      'with the error; the step function is invoked synchronously by the framework. A dead-letter queue ' +
      'would hold events nobody replays: a failed deploy is re-run, not a queued message.',
  })),
  {
    rule: 'Serverless-LambdaDefaultMemorySize',
    path: /^VectorStore\/SchemaProvider\/framework-onEvent\/Resource$/,
    reason:
      "The CDK custom-resource framework sets its own function's size; it only relays one invocation per " +
      'deployment to the schema function (which sets 256 MB) and to CloudFormation.',
  },
  // --- The request path (LlmGateway, GatewayApi) ---
  {
    rule: 'AwsSolutions-IAM5[Resource::*]',
    path: /^(Gateway\/Role|GatewayApi\/AuthorizerRole|CostGuardrails\/KillSwitch\/Role|(Jobs|Embeddings)\/(Api|Worker)Role)\/Permissions\/Resource$/,
    reason:
      "Two statements of the functions' own managed policy cannot name a resource: the network-interface " +
      'actions Lambda needs to attach a function to the VPC (ec2:DescribeNetworkInterfaces and its kin have ' +
      "no resource-level permissions) and X-Ray's PutTraceSegments/PutTelemetryRecords (none either). Every " +
      'other statement (logs, secrets, Bedrock models, the key table) names its resources.',
  },
  {
    rule: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    path: /^GatewayApi\/Api\/CloudWatchRole\/Resource$/,
    reason:
      'API Gateway writes execution logs through one account-wide role (AWS::ApiGateway::Account), shared by ' +
      'every REST API of the account and region. AWS maintains this policy for exactly that role; scoping it ' +
      "to this API would break the execution logs of the account's other APIs. The role is retained on delete.",
  },
  {
    rule: 'AwsSolutions-COG4',
    path: /^GatewayApi\/Api\/Default\/.+\/(GET|POST|PUT|PATCH|DELETE)\/Resource$/,
    reason:
      'Callers are services holding API keys, as with any OpenAI-compatible API, not Cognito users. Every ' +
      'route but the health check has a Lambda REQUEST authorizer that verifies the key by SHA-256 against ' +
      'the key table, refuses revoked and expired keys, and maps the caller to a tenant and a usage tier.',
  },
  {
    rule: 'AwsSolutions-APIG4',
    path: /^GatewayApi\/Api\/Default\/health\/GET\/Resource$/,
    reason:
      'GET /v1/health is the one unauthenticated route, for load balancers and uptime checks: the gateway ' +
      'answers {"status":"ok"} before reading anything else. It has its own low method throttle and the WAF.',
  },
  ...['NIST.800.53.R5-LambdaDLQ', 'Serverless-LambdaDLQ'].map((rule) => ({
    rule,
    path: /^(Gateway\/Function|GatewayApi\/AuthorizerFunction|(Jobs|Embeddings)\/(Api|Worker)Function)\/Resource$/,
    reason:
      'API Gateway invokes the gateway, the authorizer and the jobs and embeddings APIs synchronously and ' +
      'the caller gets the error; the workers are invoked by SQS event source mappings, whose failed ' +
      "messages go back to their queue and then to its dead-letter queue. A function's dead-letter queue " +
      'only receives failed asynchronous invocations, which none of these functions has.',
  })),
  {
    rule: 'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted',
    path: /^GatewayApi\/Api\/DeploymentStage\.v1\/Resource$/,
    reason:
      'Response streaming (needed for answers longer than 29 s) does not support API Gateway caching. LLM ' +
      'answers are cached by the gateway itself, per tenant, in the encrypted ElastiCache and pgvector stores.',
  },
  {
    rule: 'NIST.800.53.R5-APIGWSSLEnabled',
    path: /^GatewayApi\/Api\/DeploymentStage\.v1\/Resource$/,
    reason:
      'A client certificate authenticates API Gateway to HTTP backends. The only backends here are Lambda ' +
      'functions, invoked through the Lambda API with IAM and TLS; there is no HTTP backend to present it to.',
  },
  {
    rule: 'NIST.800.53.R5-DynamoDBInBackupPlan',
    path: /^GatewayApi\/KeyTable\/Resource$/,
    reason:
      'The key table holds only key hashes and their tenant metadata, and is restorable to any second of the ' +
      'last 35 days with point-in-time recovery (on, with deletion protection in production). Lost keys are ' +
      'reissued, never restored from a copy, so a separate AWS Backup plan adds nothing.',
  },
  // --- The services beside the gateway (AsyncJobs, EmbeddingService) ---
  {
    rule: 'Serverless-LambdaEventSourceMappingDestination',
    path: /^(Jobs|Embeddings)\/WorkerFunction\/SqsEventSource:[A-Za-z0-9]+\/Resource$/,
    reason:
      'On-failure destinations apply to stream and Kafka event sources; for an SQS source a failed message ' +
      "stays on its queue and moves to the queue's dead-letter queue after maxReceiveCount receives, which " +
      'each of these queues has (with a "not empty" alarm on the platform dashboards).',
  },
  ...acknowledgeEach(
    ['AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]'],
    /^(Jobs\/(Api|Worker)Role|Embeddings\/ApiRole)\/Permissions\/Resource$/,
    "The CDK's grantSendMessages on a KMS-encrypted queue: the key actions name one resource, that queue's " +
      "own customer-managed key, which encrypts nothing but this service's queues and logs.",
  ),
  {
    rule: 'AwsSolutions-IAM5[Resource::<EmbeddingsIngestionBucket67AC8BEF.Arn>/*]',
    path: /^Embeddings\/WorkerRole\/Permissions\/Resource$/,
    reason:
      'The worker ingests whatever object is dropped in the ingestion bucket (s3:GetObject only, no list, ' +
      'write or delete): the bucket holds nothing but documents waiting to be ingested, and which tenant ' +
      'an object belongs to is the first segment of its key, checked by the worker.',
  },
  ...acknowledgeEach(
    ['AwsSolutions-SMG4', 'NIST.800.53.R5-SecretsManagerRotationEnabled'],
    /^Jobs\/WebhookSecret\/Resource$/,
    'The webhook signing secret is shared with every receiver, which verifies signatures with it; a hosted ' +
      'rotation would break them all at once. It is generated (48 characters), KMS-encrypted and readable ' +
      'only by the jobs worker; rotate it with the receivers (README, "Async jobs").',
  ),
  ...SERVING_ACKNOWLEDGMENTS,
];

/** Applies {@link PLATFORM_ACKNOWLEDGMENTS} to the matching constructs of a stack. */
export function acknowledgePlatformFindings(stack: IConstruct): void {
  const prefix = stack.node.path.length + 1;
  for (const construct of stack.node.findAll()) {
    const path = construct.node.path.slice(prefix);
    for (const ack of PLATFORM_ACKNOWLEDGMENTS) {
      if (ack.path.test(path)) {
        Validations.of(construct).acknowledge({ id: ack.rule, reason: ack.reason });
      }
    }
  }
}
