import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { ApiKeyVerifier } from '../core/auth/api-key-verifier';
import { DynamoDbKeyStore } from '../core/auth/dynamodb-key-store';
import { AUTHORIZER_ENV } from '../core/runtime/environment';
import { authorizerHandler } from './adapter';

/** The API's Lambda REQUEST authorizer: API keys verified by hash against the key table. */
const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'llm-gateway-authorizer' });

function required(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`The authorizer needs the environment variable ${name}; the GatewayApi construct sets it.`);
  return value;
}

const verifier = new ApiKeyVerifier(
  new DynamoDbKeyStore(new DynamoDBClient({ maxAttempts: 2 }), required(AUTHORIZER_ENV.keyTable)),
  { tiers: required(AUTHORIZER_ENV.tiers).split(',') },
);

export const handler = authorizerHandler(verifier, {
  refused: (reason, keyId) => logger.info('api key refused', { reason, keyId }),
});
