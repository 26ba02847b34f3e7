import type { HandlerAwsCalls } from '../contract/aws-calls';
import { EMBEDDINGS_ENV } from '../contract/environment';
import { DEPLOYED_GATEWAY_AWS_CALLS } from '../runtime/aws-calls';

/** What the embedding service's API calls on AWS with its role (test/security/permissions.test.ts checks it). */
export const AWS_CALLS: HandlerAwsCalls = {
  calls: [
    ...DEPLOYED_GATEWAY_AWS_CALLS,
    {
      action: 'sqs:SendMessage',
      resource: { env: EMBEDDINGS_ENV.queueUrl, holds: 'queue-url' },
      why: 'queues the work of a re-index',
    },
  ],
};
