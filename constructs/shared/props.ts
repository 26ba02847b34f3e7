import type { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';

/**
 * The props every construct of this package that runs in a VPC shares, documented once. A
 * construct re-declares one only where its default differs (a data store's `vpcSubnets` are the
 * isolated ones), and says so on its own props.
 */
export interface VpcPlacementProps {
  /** The VPC to run in (for the platform's, `Network.vpc`). */
  readonly vpc: ec2.IVpc;
  /**
   * Where in the VPC. Must be private: public subnets are refused.
   * @default - the private subnets with egress (`Network.applicationSubnets`)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
}

/**
 * The placement of a data store (the response cache, the vector store): isolated subnets unless
 * told otherwise, never public ones.
 */
export interface DataStorePlacementProps extends VpcPlacementProps {
  /**
   * Subnets of the store's nodes or instances. They must not be public.
   * @default - the VPC's isolated subnets (`Network.dataSubnets`)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @deprecated use `vpcSubnets` (the one name every construct of this package gives its placement) */
  readonly subnets?: ec2.SubnetSelection;
}

/** The props of a construct that keeps logs (and often more) encrypted with a key of its own. */
export interface EncryptedResourceProps {
  /**
   * Key that encrypts what the construct keeps: its logs and, where it has them, its queues,
   * secrets and data.
   * @default - a new customer-managed key with rotation (see `customerManagedKey`)
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * How long the construct's logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the construct's logs, key and data when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Where application functions run unless told otherwise: `Network.applicationSubnets`. */
export const APPLICATION_SUBNETS: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

/**
 * The subnet selection of a construct that takes `vpcSubnets` and, before the one name, took
 * `deprecatedName` (`subnets`): the new name wins; the old one still works.
 */
export function chosenSubnets(
  props: { readonly vpcSubnets?: ec2.SubnetSelection },
  deprecated: ec2.SubnetSelection | undefined,
  fallback: ec2.SubnetSelection,
): ec2.SubnetSelection {
  return props.vpcSubnets ?? deprecated ?? fallback;
}
