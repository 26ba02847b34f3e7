import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { ApiKeyVerifier } from '../core/auth/api-key-verifier';
import { DynamoDbKeyStore } from '../core/auth/dynamodb-key-store';
import { AUTHORIZER_ENV } from '../contract/environment';
import { HandlerTelemetry } from '../adapters/handler-telemetry';
import { UNAUTHORIZED, authorizerHandler } from './adapter';

/** The API's Lambda REQUEST authorizer: API keys verified by hash against the key table. */
const telemetry = new HandlerTelemetry({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'llm-gateway-authorizer',
});

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

const authorize = authorizerHandler(verifier, {
  refused: (reason, keyId) => telemetry.logger.info('api key refused', { reason, keyId }),
});
// A refused key is an answer (401), not a failure of the function.
const refused = (error: unknown) => error instanceof Error && error.message === UNAUTHORIZED;

export const handler = telemetry.wrap(
  (event: APIGatewayRequestAuthorizerEvent) =>
    telemetry.span(
      'auth',
      () => authorize(event),
      (error) => (refused(error) ? 'error' : 'fault'),
    ),
  { expected: refused },
);
