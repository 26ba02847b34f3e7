import type { Grant } from './checks';

/**
 * Grants of the checked roles that no call needs, kept on purpose, each with the reason. The
 * permission test fails on any other unused grant, and prints these on every run so that they stay
 * visible. An entry that no longer matches anything is reported too (`permissions.test.ts`).
 */
export interface GrantThatStays {
  readonly reason: string;
  readonly matches: (grant: Grant) => boolean;
}

const isAction = (grant: Grant, ...actions: string[]): boolean => actions.includes(grant.action);

export const UNUSED_GRANTS_THAT_STAY: readonly GrantThatStays[] = [
  {
    reason:
      "aws-cdk-lib's Queue.grantSendMessages on a KMS-encrypted queue grants GetQueueUrl, GetQueueAttributes, " +
      'kms:Encrypt and kms:ReEncrypt* beside what SendMessage needs (sqs:SendMessage, kms:GenerateDataKey, kms:Decrypt); ' +
      'the handlers send to the URL their construct sets. Narrowing it is a construct change (AsyncJobs and ' +
      "EmbeddingService call grantSendMessages; acknowledgeQueueSender's IAM5 acknowledgment would go with it).",
    matches: (grant) =>
      (isAction(grant, 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes') && grant.resource.startsWith('arn:aws:sqs:')) ||
      (isAction(grant, 'kms:Encrypt', 'kms:ReEncrypt*') && /key\/key-(Jobs|Embeddings)Key/.test(grant.resource)),
  },
  {
    reason:
      "aws-cdk-lib's custom resource Provider grants lambda:InvokeFunction on the handler's versions and aliases " +
      '(`<arn>:*`) beside the function; the framework invokes the unqualified ARN.',
    matches: (grant) => isAction(grant, 'lambda:InvokeFunction') && grant.resource.endsWith(':*'),
  },
  {
    reason:
      "aws-cdk-lib eks-v2's kubectl provider attaches the AWS managed Lambda execution policies to its framework " +
      "function's role; their logs:CreateLogGroup on * is theirs (the function writes to its own log group).",
    matches: (grant) => isAction(grant, 'logs:CreateLogGroup') && grant.statement.startsWith('aws-managed/'),
  },
];
