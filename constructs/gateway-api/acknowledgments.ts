import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { acknowledgeRules, managedPolicyFinding } from '../shared/nag-acknowledgments';

/** Why no route uses Cognito (AwsSolutions-COG4): callers are services with API keys. */
export const KEY_AUTHORIZED =
  'Callers are services holding API keys, as with any OpenAI-compatible API, not Cognito users. Every ' +
  'route but the health check has a Lambda REQUEST authorizer that verifies the key by SHA-256 against ' +
  'the key table, refuses revoked and expired keys, and maps the caller to a tenant and a usage tier.';

/** The findings on the REST API and its stage that follow from how the gateway is served. */
export function acknowledgeApi(api: apigateway.RestApi): void {
  const cloudWatchRole = api.node.tryFindChild('CloudWatchRole');
  if (cloudWatchRole) {
    acknowledgeRules(
      cloudWatchRole,
      [managedPolicyFinding('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
      'API Gateway writes execution logs through one account-wide role (AWS::ApiGateway::Account), shared by ' +
        'every REST API of the account and region. AWS maintains this policy for exactly that role; scoping it ' +
        "to this API would break the execution logs of the account's other APIs. The role is retained on delete.",
    );
  }
  acknowledgeRules(
    api.deploymentStage,
    ['NIST.800.53.R5-APIGWCacheEnabledAndEncrypted'],
    'Response streaming (needed for answers longer than 29 s) does not support API Gateway caching. LLM ' +
      'answers are cached by the gateway itself, per tenant, in the encrypted ElastiCache and pgvector stores.',
  );
}
