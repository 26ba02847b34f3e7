import type { GatewayConfig } from '../../contract/config/gateway-config';
import { GatewayError } from '../http/errors';
import type { CallerIdentity, GatewayRequest } from '../http/types';
import { parseJsonBody } from '../openai/request-schema';
import type { CallScope } from './call-scope';

/**
 * Steps 1-2 of every model call: the body's size, who is calling, then the JSON (depth-checked
 * before it is parsed). The caller is known before the body is read, so a refusal names no field to
 * a caller without a key.
 */
export function admitBody(
  scope: CallScope,
  limits: GatewayConfig['limits'],
  identify: (request: GatewayRequest) => CallerIdentity,
): { identity: CallerIdentity; json: unknown } {
  if (scope.request.body.length > limits.maxBodyBytes) throw GatewayError.tooLarge(limits.maxBodyBytes);
  const identity = identify(scope.request);
  scope.trace.tenant = identity.tenant;
  scope.trace.user = identity.user;
  return { identity, json: parseJsonBody(scope.request.body, limits.maxJsonDepth) };
}
