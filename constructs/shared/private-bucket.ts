import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledgeControl } from './control-tower';
import { acknowledgeRules } from './nag-acknowledgments';
import { checkAtSynth } from './validation';

export interface PrivateBucketOptions {
  readonly key: kms.IKey;
  readonly logPrefix: string;
  readonly removalPolicy: RemovalPolicy;
  /**
   * Declare EventBridge notifications in the bucket's own configuration. Give false for a bucket
   * whose notifications the caller adds with `addEventNotification`: the CDK's notification
   * resource sets the bucket's whole configuration, so the two would overwrite each other.
   * @default true
   */
  readonly eventBridge?: boolean;
  /**
   * Why this bucket's objects need no copy in another region (NIST 800-53's replication rule), for
   * the reviewer: what it holds and how it would be recovered.
   */
  readonly whyNoReplication: string;
}

/**
 * A private bucket (`id`) encrypted with `key` (bucket keys on), versioned, TLS only, owner-enforced,
 * sending its events to EventBridge, with server access logs in a bucket of its own
 * (`${id}AccessLogs`, SSE-S3: access logging cannot deliver to a KMS bucket), kept a year.
 */
export function privateBucket(scope: Construct, id: string, options: PrivateBucketOptions): s3.Bucket {
  const accessLogs = new s3.Bucket(scope, `${id}AccessLogs`, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
    removalPolicy: options.removalPolicy,
  });
  acknowledgeAccessLogBucket(accessLogs);
  acknowledgeRules(
    accessLogs,
    ['NIST.800.53.R5-S3BucketReplicationEnabled'],
    'Server access logs of one bucket stay in its region by design (they are read in place when ' +
      'investigating); a second copy in another region would double them for no recovery anyone needs.',
  );
  const bucket = new s3.Bucket(scope, id, {
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
  if (options.eventBridge ?? true) {
    // In the bucket's own properties, where CloudFormation sets it and a Control Tower hook reads it
    // (CT.S3.PR.4), rather than through `eventBridgeEnabled`, which adds a custom resource for it.
    (bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
    // Known only at synth: notifications are added after the bucket is made.
    checkAtSynth(bucket, () =>
      bucket.node.tryFindChild('Notifications')
        ? [
            `${bucket.node.path} declares EventBridge notifications, and addEventNotification would replace them: ` +
              'make it with `eventBridge: false`',
          ]
        : [],
    );
  }
  acknowledgeControl(bucket, 'CT.S3.PR.9', OBJECT_LOCK);
  acknowledgeRules(
    bucket,
    ['NIST.800.53.R5-S3BucketReplicationEnabled'],
    `${options.whyNoReplication} Versioning (on) guards against overwrites and deletes.`,
  );
  return bucket;
}

const OBJECT_LOCK =
  'Object Lock keeps every object version for a retention period that no one can shorten: it would ' +
  'defeat the lifecycle rules that expire old versions (and, for access logs, year-old logs), and keep ' +
  'environments that are torn down with their stack (dev, staging) from being deleted. Versioning, on, ' +
  'is the recovery from an overwrite or a delete; only the platform writes to these buckets.';

/** The controls a bucket that receives S3 server access logs cannot meet, with why. */
function acknowledgeAccessLogBucket(accessLogs: s3.Bucket): void {
  acknowledgeRules(
    accessLogs,
    ['NIST.800.53.R5-S3DefaultEncryptionKMS'],
    'S3 server access logging can only deliver to a bucket encrypted with SSE-S3, not SSE-KMS, so the ' +
      'access-log bucket uses S3-managed encryption; the bucket it records is KMS-encrypted.',
  );
  acknowledgeControl(
    accessLogs,
    'CT.S3.PR.10',
    'S3 server access logging delivers only to a bucket encrypted with S3-managed keys (SSE-S3), not ' +
      'with a KMS key; the bucket whose requests it records is KMS-encrypted.',
  );
  acknowledgeControl(
    accessLogs,
    'CT.S3.PR.2',
    'This bucket receives the server access logs: logging it to itself would log its own deliveries ' +
      'without end, and logging it to another bucket would only move the question one bucket on.',
  );
  acknowledgeControl(
    accessLogs,
    'CT.S3.PR.4',
    'Nothing acts on an access-log object as S3 delivers it (every few minutes, for every bucket ' +
      'request); logs are read in place when investigating (Athena, S3 Select), so a notification per ' +
      'delivery would be noise with no consumer.',
  );
  acknowledgeControl(accessLogs, 'CT.S3.PR.9', OBJECT_LOCK);
}
