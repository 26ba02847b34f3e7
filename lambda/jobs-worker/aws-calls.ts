import type { HandlerAwsCalls } from '../contract/aws-calls';
import { JOBS_ENV } from '../contract/environment';
import { DEPLOYED_GATEWAY_AWS_CALLS } from '../runtime/aws-calls';

/**
 * What the jobs worker calls on AWS with its role (test/security/permissions.test.ts checks it):
 * the in-process gateway's calls, the webhook signing secret, and the queue it puts throttled jobs
 * back on. Receiving and deleting its messages is the event source mapping's (the test derives those).
 */
export const AWS_CALLS: HandlerAwsCalls = {
  calls: [
    ...DEPLOYED_GATEWAY_AWS_CALLS,
    {
      action: 'secretsmanager:GetSecretValue',
      resource: { env: JOBS_ENV.webhookSecretArn, holds: 'arn' },
      why: 'reads the key that signs the webhooks',
    },
    {
      action: 'sqs:SendMessage',
      resource: { env: JOBS_ENV.queueUrl, holds: 'queue-url' },
      why: 'puts a throttled job back on the queue with a delay',
    },
  ],
};
