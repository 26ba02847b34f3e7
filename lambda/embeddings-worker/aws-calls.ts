import type { HandlerAwsCalls } from '../contract/aws-calls';
import { EMBEDDINGS_ENV } from '../contract/environment';
import { DEPLOYED_GATEWAY_AWS_CALLS } from '../runtime/aws-calls';

/**
 * What the embedding service's worker calls on AWS with its role (test/security/permissions.test.ts
 * checks it). Receiving and deleting its messages is the event source mapping's (the test derives those).
 */
export const AWS_CALLS: HandlerAwsCalls = {
  calls: [
    ...DEPLOYED_GATEWAY_AWS_CALLS,
    {
      action: 's3:GetObject',
      resource: { env: EMBEDDINGS_ENV.queueUrl, holds: 'queue-url-of-bucket-events' },
      why: 'reads each object dropped in the ingestion bucket, whose events reach its queue',
    },
  ],
  bundledButNotCalled: [
    {
      command: 'SendMessageCommand',
      why: 'CollectionService.reindex queues re-index work; the worker only runs it (runReindex, ingestS3Object)',
    },
  ],
};
