import type * as ec2 from 'aws-cdk-lib/aws-ec2';

/** The ids of the VPC's public subnets that `selection` picks: empty for a private placement. */
export function publicSubnetsIn(vpc: ec2.IVpc, selection: ec2.SubnetSelection): string[] {
  const publicIds = new Set(vpc.publicSubnets.map((subnet) => subnet.subnetId));
  return vpc.selectSubnets(selection).subnetIds.filter((id) => publicIds.has(id));
}
