import type { HandlerAwsCalls } from '../contract/aws-calls';

/** What the vector schema step calls on AWS with its role (test/security/permissions.test.ts checks it). */
export const AWS_CALLS: HandlerAwsCalls = {
  calls: [
    {
      action: 'secretsmanager:GetSecretValue',
      resource: { customResourceProperty: 'MasterSecretArn' },
      why: "reads the cluster's master login to run the migrations",
    },
    {
      action: 'secretsmanager:GetSecretValue',
      resource: { customResourceProperty: 'ApplicationSecretArn' },
      why: 'reads the application login whose role it creates and grants',
    },
  ],
};
