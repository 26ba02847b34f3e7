import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import type { ApiKeyVerifier, Refusal } from '../core/auth/api-key-verifier';
import { usagePlanKeyValue } from '../contract/api-keys';

/**
 * Translation between API Gateway's REQUEST authorizer events and the key verifier. The answer's
 * context is what the gateway's adapter (lambda/adapters/api-gateway.ts) reads: tenant, user, keyId,
 * models (a comma list), and the tier, whose usage plan key the answer names.
 */

/** Throwing exactly this makes API Gateway answer 401 (its UNAUTHORIZED gateway response). */
export const UNAUTHORIZED = 'Unauthorized';

export interface AuthorizerLog {
  refused(reason: Refusal, keyId: string | undefined): void;
}

function header(event: APIGatewayRequestAuthorizerEvent, name: string): string | undefined {
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === name && value) return value;
  }
  return undefined;
}

/**
 * `arn:aws:execute-api:region:account:apiId/stage/METHOD/path` -> the API's id and a resource that
 * covers every method of the stage. The verdict is cached by the Authorization header alone, so it
 * must hold for every route the same key calls next, not just the one that triggered it.
 */
export function stageWideResource(methodArn: string): { restApiId: string; resource: string } {
  const [prefix, restApiId, stage] =
    /^(arn:[^:]+:execute-api:[^:]+:[^:]+:)([^/]+)\/([^/]+)\//.exec(methodArn)?.slice(1) ?? [];
  if (!prefix) throw new Error(`not an API Gateway method ARN: ${methodArn}`);
  return { restApiId, resource: `${prefix}${restApiId}/${stage}/*/*` };
}

export function authorizerHandler(verifier: ApiKeyVerifier, log: AuthorizerLog) {
  return async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const verdict = await verifier.verify(header(event, 'authorization'));
    const { restApiId, resource } = stageWideResource(event.methodArn);
    if (!verdict.ok) {
      log.refused(verdict.reason, verdict.keyId);
      // A key of a tier without a usage plan is our misconfiguration, not the caller's fault: 403.
      if (verdict.reason !== 'unknown_tier') throw new Error(UNAUTHORIZED);
      return {
        principalId: verdict.keyId ?? 'unknown',
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: resource }],
        },
      };
    }
    const { caller } = verdict;
    const context: Record<string, string> = { tenant: caller.tenant, keyId: caller.keyId, tier: caller.tier };
    if (caller.user) context.user = caller.user;
    if (caller.models?.length) context.models = caller.models.join(',');
    return {
      principalId: `${caller.tenant}/${caller.keyId}`,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resource }],
      },
      context,
      usageIdentifierKey: usagePlanKeyValue(restApiId, caller.tier),
    };
  };
}
