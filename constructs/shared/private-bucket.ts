import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/**
 * A private bucket (`id`) encrypted with `key` (bucket keys on), versioned, TLS only, owner-enforced,
 * with server access logs in a bucket of its own (`${id}AccessLogs`, SSE-S3: access logging cannot
 * deliver to a KMS bucket), kept a year.
 */
export function privateBucket(
  scope: Construct,
  id: string,
  options: { readonly key: kms.IKey; readonly logPrefix: string; readonly removalPolicy: RemovalPolicy },
): s3.Bucket {
  const accessLogs = new s3.Bucket(scope, `${id}AccessLogs`, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
    removalPolicy: options.removalPolicy,
  });
  return new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: options.key,
    bucketKeyEnabled: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: options.logPrefix,
    lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
    removalPolicy: options.removalPolicy,
  });
}
