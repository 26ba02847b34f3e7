import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { testApp } from '../support/platform-app';

/**
 * What an importing team has before it adds a data store construct: a stack of its own, its own
 * VPC (public, private and isolated subnets in two or three zones) and a function that will be the
 * store's client.
 */
export interface TeamStack {
  readonly stack: Stack;
  readonly vpc: ec2.Vpc;
  client(id?: string): lambda.Function;
}

export function teamStack(options: { zones?: number; isolated?: boolean } = {}): TeamStack {
  const stack = new Stack(testApp(), 'Team', { env: { region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    ipAddresses: ec2.IpAddresses.cidr('172.16.0.0/16'),
    availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'].slice(0, options.zones ?? 2),
    natGateways: 1,
    subnetConfiguration: [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: 'App', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ...(options.isolated === false
        ? []
        : [{ name: 'Data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }]),
    ],
  });
  return {
    stack,
    vpc,
    client: (id = 'Client') =>
      new lambda.Function(stack, id, {
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => undefined;'),
        vpc,
      }),
  };
}

/** Template JSON is untyped: tests read it as such. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** The logical ids of a VPC's subnets of one type, as `{ Ref }` objects, in order. */
export function subnetRefs(stack: Stack, vpc: ec2.IVpc, type: ec2.SubnetType): { Ref: string }[] {
  return vpc
    .selectSubnets({ subnetType: type })
    .subnets.map((subnet) => ({ Ref: stack.getLogicalId(subnet.node.defaultChild as ec2.CfnSubnet) }));
}

/** The one resource of a type in a template, with its logical id. */
export function onlyResource(
  template: Template,
  type: string,
  props: Record<string, unknown> = {},
): { id: string; Properties: Record<string, Json>; [key: string]: Json } {
  const found = template.findResources(type, props);
  const ids = Object.keys(found);
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return { id: ids[0], ...found[ids[0]] } as never;
}

/**
 * Every ingress rule, inline or standalone, of the security group with this logical id: a data
 * store's must each name a source security group, never an address range.
 */
export function ingressOf(template: Template, groupLogicalId: string): Record<string, Json>[] {
  const inline = (template.findResources('AWS::EC2::SecurityGroup')[groupLogicalId]?.Properties?.SecurityGroupIngress ??
    []) as Record<string, Json>[];
  const standalone = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
    .map((resource) => resource.Properties as Record<string, Json>)
    .filter((rule) => JSON.stringify(rule.GroupId).includes(`"${groupLogicalId}"`));
  return [...inline, ...standalone];
}
