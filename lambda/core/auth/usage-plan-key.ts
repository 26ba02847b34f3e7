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
