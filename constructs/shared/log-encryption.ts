import { Aws, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { customerManagedKey } from './customer-managed-key';

/**
 * A customer-managed key (see {@link customerManagedKey}) that CloudWatch Logs may use for this
 * account's and region's log groups whose names match `logGroupNames` (all of them by default).
 */
export function logEncryptionKey(
  scope: Construct,
  id: string,
  description: string,
  removalPolicy: RemovalPolicy,
  logGroupNames = '*',
): kms.Key {
  const key = customerManagedKey(scope, id, { description, removalPolicy });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${logGroupNames}`,
        },
      },
    }),
  );
  return key;
}
