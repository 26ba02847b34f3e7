import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { publicSubnetsIn } from './public-subnets';
import { PropsCheck } from './validation';

/** Where the data stores run unless told otherwise: `Network.dataSubnets`, isolated with no route out. */
export const DATA_SUBNETS: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

/**
 * The subnets a data store is placed in. Refuses a selection that is empty or holds a public
 * subnet: a data store must never be one route away from the internet.
 */
export function dataSubnetsOf(
  scope: Construct,
  what: string,
  vpc: ec2.IVpc,
  selection: ec2.SubnetSelection = DATA_SUBNETS,
): ec2.SelectedSubnets {
  const check: PropsCheck = new PropsCheck(what, scope.node.path);
  const fail = (message: string): never => check.fail(message);
  if (selection.subnetType === ec2.SubnetType.PUBLIC) {
    fail(
      'vpcSubnets selects public subnets; a data store must not be reachable from the internet. Select isolated or private subnets (Network.dataSubnets).',
    );
  }
  let selected: ec2.SelectedSubnets;
  try {
    selected = vpc.selectSubnets(selection);
  } catch (error) {
    return fail(
      `no subnets of the VPC match the selection (${(error as Error).message}). Pass the VPC's isolated data ` +
        'subnets (Network.dataSubnets), or select existing private subnets with `vpcSubnets`.',
    );
  }
  if (selected.subnets.length === 0) {
    fail('the subnet selection is empty; select at least one isolated or private subnet (Network.dataSubnets).');
  }
  const exposed = publicSubnetsIn(vpc, selection);
  if (exposed.length > 0) {
    fail(
      `the selected subnets include public ones (${exposed.join(', ')}); a data store must not be reachable from ` +
        'the internet. Select isolated or private subnets (Network.dataSubnets).',
    );
  }
  return selected;
}
