import type { HandlerAwsCalls } from '../contract/aws-calls';
import { AUTHORIZER_ENV } from '../contract/environment';

/** What the authorizer calls on AWS with its role (test/security/permissions.test.ts checks it). */
export const AWS_CALLS: HandlerAwsCalls = {
  calls: [
    {
      action: 'dynamodb:GetItem',
      resource: { env: AUTHORIZER_ENV.keyTable, holds: 'table-name' },
      why: "looks up the presented key's hash",
    },
  ],
  bundledButNotCalled: [
    {
      command: 'PutItemCommand',
      why: 'DynamoDbKeyStore.put: the api-key script issues keys, the authorizer only reads them',
    },
    { command: 'QueryCommand', why: "DynamoDbKeyStore.list: the api-key script's listing" },
    { command: 'UpdateItemCommand', why: "DynamoDbKeyStore.revoke: the api-key script's revocation" },
  ],
};
