import { Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeStackHelperFunction } from '../shared/control-tower';
import { acknowledgeRules } from '../shared/nag-acknowledgments';
import { logEncryptionKey } from '../shared/log-encryption';

/** The AWS services the platform calls from inside the VPC, reached through interface endpoints. */
export const PLATFORM_INTERFACE_ENDPOINTS: Readonly<Record<string, ec2.InterfaceVpcEndpointAwsService>> = {
  SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  Monitoring: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
  BedrockRuntime: ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME,
  Sts: ec2.InterfaceVpcEndpointAwsService.STS,
  Ecr: ec2.InterfaceVpcEndpointAwsService.ECR,
  EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
  Sqs: ec2.InterfaceVpcEndpointAwsService.SQS,
  Kms: ec2.InterfaceVpcEndpointAwsService.KMS,
};

const DEFAULT_CIDR = '10.0.0.0/16';

export interface NetworkProps {
  /**
   * Use this VPC instead of creating one. When set, none of the VPC-shaping props
   * (`cidr`, `availabilityZones`, `natGateways`) may be given.
   * @default - a new VPC is created
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The new VPC's IPv4 range.
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;
  /**
   * Availability zones of the new VPC. Naming them keeps synthesis free of context lookups.
   * @default - the first two zones of the stack's region
   */
  readonly availabilityZones?: string[];
  /**
   * NAT gateways of the new VPC: one per zone for high availability, one to save cost.
   * @default 1
   */
  readonly natGateways?: number;
  /**
   * Interface endpoints to create, keyed by the construct id they get.
   * @default - PLATFORM_INTERFACE_ENDPOINTS for a new VPC; none for an existing VPC (it may have its own)
   */
  readonly interfaceEndpoints?: Readonly<Record<string, ec2.InterfaceVpcEndpointAwsService>>;
  /**
   * Whether to record VPC flow logs (all traffic) to an encrypted log group.
   * @default - true for a new VPC; false for an existing VPC
   */
  readonly flowLogs?: boolean;
  /**
   * How long flow logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * Key that encrypts the flow log group.
   * @default - a new customer-managed key with rotation enabled
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * What happens to the flow log group and its key when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The platform's network: a VPC with three tiers of subnets, private reach to the AWS services the
 * platform calls, and flow logs.
 *
 * - public subnets hold only NAT gateways (no instance gets a public address);
 * - `applicationSubnets` (private, with egress through NAT) hold functions, nodes and endpoints;
 * - `dataSubnets` (isolated, no route out) hold the cache and the database.
 */
export class Network extends Construct {
  /** The VPC, created or given. */
  readonly vpc: ec2.IVpc;
  /** Where compute runs: private subnets with egress through NAT. */
  readonly applicationSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
  /** Where data stores run: isolated subnets with no route to the internet. */
  readonly dataSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
  /** The interface endpoints created, by id. */
  readonly interfaceEndpoints: Readonly<Record<string, ec2.InterfaceVpcEndpoint>>;
  /** The security group of the interface endpoints, when any are created. */
  readonly endpointSecurityGroup?: ec2.SecurityGroup;
  /** The encrypted log group receiving flow logs, when flow logs are on. */
  readonly flowLogGroup?: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id);

    if (props.vpc) {
      const shaping = (['cidr', 'availabilityZones', 'natGateways'] as const).filter((k) => props[k] !== undefined);
      if (shaping.length > 0) {
        throw new Error(
          `Network ${this.node.path}: pass either an existing \`vpc\` or props that shape a new VPC, not both. ` +
            `Given \`vpc\` and ${shaping.map((k) => `\`${k}\``).join(', ')}: remove ${shaping.length > 1 ? 'those' : 'that'} ` +
            'to use the existing VPC, or remove `vpc` to create a new one.',
        );
      }
    }
    const natGateways = props.natGateways ?? 1;
    const azCount = props.availabilityZones?.length ?? 2;
    if (!props.vpc && (!Number.isInteger(natGateways) || natGateways < 1 || natGateways > azCount)) {
      throw new Error(
        `Network ${this.node.path}: natGateways is ${natGateways}; it must be a whole number from 1 to the number of availability zones (${azCount}).`,
      );
    }

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.vpc = props.vpc ?? this.createVpc(props, natGateways);

    const endpoints = props.interfaceEndpoints ?? (props.vpc ? {} : PLATFORM_INTERFACE_ENDPOINTS);
    if (!props.vpc) {
      // Gateway endpoints cost nothing and keep S3 (model weights, document drops) and DynamoDB (the
      // API key table the authorizer reads) off the NAT gateways.
      this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
      this.vpc.addGatewayEndpoint('DynamoDb', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });
    }
    const created: Record<string, ec2.InterfaceVpcEndpoint> = {};
    if (Object.keys(endpoints).length > 0) {
      // One security group for every endpoint: HTTPS from inside the VPC, nothing else. The range is
      // the literal CIDR where we know it, so that reviewers (and cdk-nag) can read the rule.
      this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: this.vpc,
        description: 'HTTPS from inside the VPC to the AWS service interface endpoints',
        allowAllOutbound: false,
      });
      const vpcRange = props.vpc ? this.vpc.vpcCidrBlock : (props.cidr ?? DEFAULT_CIDR);
      this.endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(vpcRange), ec2.Port.tcp(443), 'HTTPS from the VPC');
      for (const [endpointId, service] of Object.entries(endpoints)) {
        created[endpointId] = this.vpc.addInterfaceEndpoint(endpointId, {
          service,
          subnets: this.applicationSubnets,
          privateDnsEnabled: true,
          securityGroups: [this.endpointSecurityGroup],
          open: false,
        });
      }
    }
    this.interfaceEndpoints = created;

    if (props.flowLogs ?? !props.vpc) {
      const key = props.encryptionKey ?? this.createLogKey(removalPolicy);
      const group = new logs.LogGroup(this, 'FlowLogGroup', {
        encryptionKey: key,
        retention: props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR,
        removalPolicy,
      });
      this.vpc.addFlowLog('FlowLog', {
        destination: ec2.FlowLogDestination.toCloudWatchLogs(group, this.createFlowLogRole(group)),
        trafficType: ec2.FlowLogTrafficType.ALL,
        maxAggregationInterval: ec2.FlowLogMaxAggregationInterval.ONE_MINUTE,
      });
      this.flowLogGroup = group;
    }
  }

  private createVpc(props: NetworkProps, natGateways: number): ec2.Vpc {
    const zones = props.availabilityZones ?? Stack.of(this).availabilityZones.slice(0, 2);
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr ?? DEFAULT_CIDR),
      availabilityZones: zones,
      natGateways,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        // NAT gateways live here; nothing else is given a public address.
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        // Large enough for Lambda ENIs and EKS pod IPs (VPC CNI gives each pod a VPC address).
        { name: 'Application', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 19 },
        { name: 'Data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
    acknowledgeStackHelperFunction(
      this,
      'Custom::VpcRestrictDefaultSGCustomResourceProvider',
      "it removes every rule of the VPC's default security group when the VPC is created " +
        '(restrictDefaultSecurityGroup), so that nothing placed in that group can talk',
    );
    for (const subnet of vpc.publicSubnets) {
      const route = subnet.node.tryFindChild('DefaultRoute');
      if (!route) continue;
      acknowledgeRules(
        route,
        ['NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW'],
        'Public subnets hold only the NAT gateways, which need a default route to the internet gateway to ' +
          'give private subnets egress to model providers. No instance in them has a public address ' +
          '(MapPublicIpOnLaunch is false); compute and data live in private and isolated subnets.',
      );
    }
    return vpc;
  }

  /**
   * The flow log service's role, with its permissions in a managed policy scoped to one log group.
   * The role is handed over without policy updates so that nothing adds an inline policy to it.
   */
  private createFlowLogRole(group: logs.LogGroup): iam.IRole {
    const role = new iam.Role(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'Lets VPC Flow Logs write to the encrypted flow log group',
    });
    role.addManagedPolicy(
      new iam.ManagedPolicy(this, 'FlowLogPolicy', {
        statements: [
          new iam.PolicyStatement({
            actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
            resources: [group.logGroupArn],
          }),
        ],
      }),
    );
    return role.withoutPolicyUpdates();
  }

  private createLogKey(removalPolicy: RemovalPolicy): kms.Key {
    return logEncryptionKey(this, 'FlowLogKey', `Encrypts the VPC flow logs of ${this.node.path}`, removalPolicy);
  }
}
