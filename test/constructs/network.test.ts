import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Network, PLATFORM_INTERFACE_ENDPOINTS } from '../../constructs';
import { testApp } from '../support/platform-app';

function newStack(): Stack {
  return new Stack(testApp(), 'Test', { env: { region: 'us-east-1' } });
}

describe('Network, used alone', () => {
  const stack = newStack();
  const network = new Network(stack, 'Network', {
    cidr: '10.1.0.0/16',
    availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    natGateways: 3,
  });
  const template = Template.fromStack(stack);

  test('three subnet tiers in every zone, and no public addresses', () => {
    template.resourceCountIs('AWS::EC2::Subnet', 9);
    template.resourcePropertiesCountIs('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false }, 9);
    expect(network.vpc.selectSubnets(network.applicationSubnets).subnets).toHaveLength(3);
    expect(network.vpc.selectSubnets(network.dataSubnets).subnets).toHaveLength(3);
  });

  test('one NAT gateway per zone as asked', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 3);
  });

  test('isolated subnets have no route out', () => {
    const routes = template.findResources('AWS::EC2::Route');
    const isolatedRoutes = Object.keys(routes).filter((id) => id.includes('DataSubnet'));
    expect(isolatedRoutes).toEqual([]);
  });

  test('S3 and DynamoDB gateway endpoints and an interface endpoint for each service the platform calls', () => {
    template.resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' }, 2);
    for (const service of ['s3', 'dynamodb']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${service}`]] },
      });
    }
    const services = Object.values(PLATFORM_INTERFACE_ENDPOINTS)
      .map((s) => s.shortName)
      .sort();
    expect(services).toEqual(
      ['bedrock-runtime', 'ecr.api', 'ecr.dkr', 'kms', 'logs', 'monitoring', 'secretsmanager', 'sqs', 'sts'].sort(),
    );
    template.resourcePropertiesCountIs(
      'AWS::EC2::VPCEndpoint',
      { VpcEndpointType: 'Interface', PrivateDnsEnabled: true },
      services.length,
    );
  });

  test('endpoints accept only HTTPS from inside the VPC', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'HTTPS from inside the VPC to the AWS service interface endpoints',
      SecurityGroupIngress: [{ CidrIp: '10.1.0.0/16', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }],
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32' })],
    });
  });

  test('flow logs of all traffic go to a KMS-encrypted, retained log group', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { KmsKeyId: Match.anyValue(), RetentionInDays: 365 },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('the flow log role has no inline policy, only a managed policy scoped to its log group', () => {
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('FlowLogGroup'), 'Arn'] },
          }),
        ],
      },
    });
  });

  test('the default security group is stripped of its rules', () => {
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });
});

describe('Network defaults', () => {
  test('two zones and one NAT gateway: cheap by default', () => {
    const stack = newStack();
    new Network(stack, 'Network', { availabilityZones: ['us-east-1a', 'us-east-1b'] });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16' });
  });

  test('retention and removal follow props', () => {
    const stack = newStack();
    new Network(stack, 'Network', {
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      flowLogRetention: logs.RetentionDays.TWO_YEARS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 731 }, DeletionPolicy: 'Delete' });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });
});

describe('Network with an existing VPC', () => {
  test('uses it and creates no VPC, endpoints or flow logs unless asked', () => {
    const stack = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Existing', {
      vpcId: 'vpc-0123456789abcdef0',
      vpcCidrBlock: '172.16.0.0/16',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      privateSubnetIds: ['subnet-1', 'subnet-2'],
      privateSubnetRouteTableIds: ['rtb-1', 'rtb-2'],
      isolatedSubnetIds: ['subnet-3', 'subnet-4'],
      isolatedSubnetRouteTableIds: ['rtb-3', 'rtb-4'],
    });
    const network = new Network(stack, 'Network', { vpc });
    // A consumer of the network, as an importing stack would have.
    new ec2.SecurityGroup(stack, 'Consumer', { vpc: network.vpc });
    const template = Template.fromStack(stack);
    expect(network.vpc).toBe(vpc);
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    template.resourceCountIs('AWS::EC2::FlowLog', 0);
  });

  test('adds the endpoints it is asked for, open to the existing VPC range', () => {
    const stack = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Existing', {
      vpcId: 'vpc-0123456789abcdef0',
      vpcCidrBlock: '172.16.0.0/16',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      privateSubnetIds: ['subnet-1', 'subnet-2'],
      privateSubnetRouteTableIds: ['rtb-1', 'rtb-2'],
    });
    new Network(stack, 'Network', {
      vpc,
      interfaceEndpoints: { Bedrock: ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME },
      flowLogs: true,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '172.16.0.0/16', FromPort: 443 })],
    });
  });

  test('refuses an existing VPC together with props that shape a new one, saying which', () => {
    const stack = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Existing', {
      vpcId: 'vpc-1',
      availabilityZones: ['us-east-1a'],
    });
    expect(() => new Network(stack, 'Network', { vpc, cidr: '10.0.0.0/16', natGateways: 2 })).toThrow(
      'Network Test/Network: pass either an existing `vpc` or props that shape a new VPC, not both. ' +
        'Given `vpc` and `cidr`, `natGateways`: remove those to use the existing VPC, or remove `vpc` to create a new one.',
    );
  });

  test('refuses more NAT gateways than zones', () => {
    expect(
      () => new Network(newStack(), 'Network', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 3 }),
    ).toThrow(/natGateways is 3; it must be a whole number from 1 to the number of availability zones \(2\)/);
  });
});
