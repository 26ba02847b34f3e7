import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledgeDeadLetterQueue } from './control-tower';

/**
 * AWS's advice for an SQS event source: a visibility timeout of six times the function's timeout,
 * so that a batch the mapping is still retrying (throttled function, slow start) is not delivered
 * a second time meanwhile.
 */
export const VISIBILITY_FACTOR = 6;

export interface WorkQueueOptions {
  readonly key: kms.IKey;
  /** The consuming function's timeout: the visibility timeout is six times this. */
  readonly workerTimeout: Duration;
  readonly retention: Duration;
  readonly maxReceiveCount: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A queue a worker function consumes and its dead-letter queue (`Queue`, `DeadLetters`): both
 * KMS-encrypted with `key` and TLS only; a message moves to the dead-letter queue after
 * `maxReceiveCount` receives and waits there 14 days for a redrive.
 */
export function workQueue(
  scope: Construct,
  options: WorkQueueOptions,
): { queue: sqs.Queue; deadLetterQueue: sqs.Queue } {
  const deadLetterQueue = new sqs.Queue(scope, 'DeadLetters', {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: options.key,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy: options.removalPolicy,
  });
  acknowledgeDeadLetterQueue(
    deadLetterQueue,
    `SQS moves a message of the work queue here after ${options.maxReceiveCount} failed receives, for a redrive`,
    'sqs',
  );
  const queue = new sqs.Queue(scope, 'Queue', {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: options.key,
    // One data key serves the queue for five minutes: fewer KMS calls, the same encryption.
    dataKeyReuse: Duration.minutes(5),
    enforceSSL: true,
    visibilityTimeout: Duration.seconds(options.workerTimeout.toSeconds() * VISIBILITY_FACTOR),
    retentionPeriod: options.retention,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: options.maxReceiveCount },
    removalPolicy: options.removalPolicy,
  });
  return { queue, deadLetterQueue };
}
