import type { HandlerAwsCalls } from '../contract/aws-calls';
import { GATEWAY_ENV } from '../contract/environment';

/** What the kill switch calls on AWS with its role (test/security/permissions.test.ts checks it). */
export const AWS_CALLS: HandlerAwsCalls = {
  calls: [
    {
      action: 'secretsmanager:GetSecretValue',
      resource: { env: GATEWAY_ENV.redisPasswordSecretArn, holds: 'arn' },
      why: "reads its ElastiCache RBAC user's password to set the kill flags",
    },
  ],
};
