/**
 * The API keys' names the key table, the authorizer and the `GatewayApi` construct share.
 *
 * The key table in DynamoDB: partition key `keyHash` (hex SHA-256 of the key), and a global
 * secondary index `byTenant` (tenant, keyId) to list and revoke a tenant's keys. The authorizer
 * only reads; issuing, revoking and listing are for operators (`npm run api-key`).
 */
export const KEY_TABLE_PARTITION_KEY = 'keyHash';
export const KEY_TABLE_TENANT_INDEX = 'byTenant';

/**
 * Tenant, tier and user names end up in API Gateway's authorizer context, usage plan key values
 * and log lines: keep them to a plain, header-safe alphabet.
 */
export const KEY_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/**
 * The value of the API Gateway API key that stands for one usage tier of one REST API.
 *
 * The API's key source is AUTHORIZER: API Gateway never accepts this value from a client, it only
 * takes it from the authorizer's answer (`usageIdentifierKey`) to pick the usage plan (throttle and
 * quota) of the caller's tier. It is an identifier, not a credential (the caller's credential is its
 * own key, verified by hash), so the construct and the authorizer both derive it from the API id and
 * the tier, and neither a secret nor a lookup is needed.
 */
export function usagePlanKeyValue(restApiId: string, tier: string): string {
  return `llm-usage-${restApiId}-${tier}`;
}
