import type { AwsCall } from '../contract/aws-calls';
import { GATEWAY_ENV } from '../contract/environment';

/**
 * The AWS calls of a gateway built by `createDeployedGateway` (this folder): the gateway function's,
 * and those of every function that runs the gateway in-process (the jobs worker, the embedding
 * service's API and worker). Each handler's `aws-calls.ts` lists them with its own.
 */
export const DEPLOYED_GATEWAY_AWS_CALLS: readonly AwsCall[] = [
  {
    action: 'secretsmanager:GetSecretValue',
    resource: { env: GATEWAY_ENV.providerSecretArns, holds: 'arn-map' },
    why: 'reads each provider credential the model config names',
  },
  {
    action: 'secretsmanager:GetSecretValue',
    resource: { env: GATEWAY_ENV.redisPasswordSecretArn, holds: 'arn' },
    why: "reads its ElastiCache RBAC user's password",
  },
  {
    action: 'secretsmanager:GetSecretValue',
    resource: { env: GATEWAY_ENV.vectorDbSecretArn, holds: 'arn' },
    why: "reads the vector database's application login (semantic cache, collections)",
  },
  {
    action: 'bedrock:InvokeModel',
    resource: { env: GATEWAY_ENV.configFile, holds: 'gateway-config-bedrock-models' },
    why: 'Converse on each Bedrock deployment of the model config',
  },
  {
    action: 'bedrock:InvokeModelWithResponseStream',
    resource: { env: GATEWAY_ENV.configFile, holds: 'gateway-config-bedrock-models' },
    why: 'ConverseStream on each Bedrock deployment of the model config',
  },
];
