import type { HandlerAwsCalls } from '../contract/aws-calls';
import { GATEWAY_ENV, JOBS_ENV } from '../contract/environment';

/** What the jobs API calls on AWS with its role (test/security/permissions.test.ts checks it). */
export const AWS_CALLS: HandlerAwsCalls = {
  calls: [
    {
      action: 'secretsmanager:GetSecretValue',
      resource: { env: GATEWAY_ENV.vectorDbSecretArn, holds: 'arn' },
      why: "reads the vector database's application login (the job store)",
    },
    {
      action: 'sqs:SendMessage',
      resource: { env: JOBS_ENV.queueUrl, holds: 'queue-url' },
      why: 'queues each submitted job',
    },
  ],
  bundledButNotCalled: [
    {
      command: 'ConverseCommand',
      why: 'vectorDbFromEnv comes from deployed-gateway.ts, which brings the provider registry; the API never builds a gateway',
    },
    { command: 'ConverseStreamCommand', why: 'as ConverseCommand' },
  ],
};
