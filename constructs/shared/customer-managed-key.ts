import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/**
 * Every customer-managed key of the platform is made here: rotated yearly, a 30-day pending window
 * before deletion, and a key policy in which only AWS services may create grants.
 *
 * The services that use a key for a resource (RDS, ElastiCache, EKS, DynamoDB, EBS) create their
 * grants themselves, flagged `kms:GrantIsForAWSResource`. A principal that creates a grant in its
 * own name could hand the key's use to anyone, outside every IAM policy that names the key; the
 * deny statement (AWS Control Tower's CT.KMS.PR.3) refuses that, whatever else the policy allows.
 */
export function customerManagedKey(
  scope: Construct,
  id: string,
  props: { readonly description: string; readonly removalPolicy: RemovalPolicy },
): kms.Key {
  const key = new kms.Key(scope, id, {
    description: props.description,
    enableKeyRotation: true,
    pendingWindow: Duration.days(30),
    removalPolicy: props.removalPolicy,
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'GrantsOnlyForAwsResources',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
      },
    }),
  );
  return key;
}
