import * as apigateway from 'aws-cdk-lib/aws-apigateway';

/**
 * One JSON line per request: who (tenant, key id, tier), what (method, route, status, sizes,
 * latencies) and why it failed. Never a body (access logs cannot hold one), never a header, never
 * the Authorization value or the usage plan key: only the key's public id from the authorizer.
 */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  time: '$context.requestTimeEpoch',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  method: '$context.httpMethod',
  route: '$context.resourcePath',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integration.latency',
  integrationStatus: '$context.integration.status',
  tenant: '$context.authorizer.tenant',
  keyId: '$context.authorizer.keyId',
  tier: '$context.authorizer.tier',
  authorizerStatus: '$context.authorizer.status',
  authorizerLatencyMs: '$context.authorizer.latency',
  wafStatus: '$context.waf.status',
  error: '$context.error.message',
  errorType: '$context.error.responseType',
  xrayTraceId: '$context.xrayTraceId',
};

export function accessLogFormat(): apigateway.AccessLogFormat {
  return apigateway.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS));
}
