import * as apigateway from 'aws-cdk-lib/aws-apigateway';

/**
 * What API Gateway answers by itself (refused key, throttled, too large, unknown route, blocked by
 * the firewall), in the OpenAI error format, so that OpenAI SDKs raise their usual typed errors.
 */
interface ErrorBody {
  readonly status: string;
  readonly type: string;
  readonly code: string;
  /** A JSON string literal, or `$context.error.messageString` (API Gateway quotes it). */
  readonly message: string;
}

const quoted = (text: string) => JSON.stringify(text);

export const OPENAI_GATEWAY_RESPONSES: ReadonlyArray<[apigateway.ResponseType, ErrorBody]> = [
  [
    apigateway.ResponseType.UNAUTHORIZED,
    {
      status: '401',
      type: 'invalid_request_error',
      code: 'invalid_api_key',
      message: quoted('Incorrect or missing API key. Send it in the Authorization header as a bearer token.'),
    },
  ],
  [
    apigateway.ResponseType.ACCESS_DENIED,
    {
      status: '403',
      type: 'invalid_request_error',
      code: 'access_denied',
      message: quoted('This API key may not call this API.'),
    },
  ],
  [
    apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    { status: '404', type: 'invalid_request_error', code: 'unknown_url', message: quoted('Unknown request URL.') },
  ],
  [
    apigateway.ResponseType.THROTTLED,
    {
      status: '429',
      type: 'rate_limit_error',
      code: 'rate_limit_exceeded',
      message: quoted('Too many requests for your tier; retry after a short wait.'),
    },
  ],
  [
    apigateway.ResponseType.QUOTA_EXCEEDED,
    {
      status: '429',
      type: 'insufficient_quota',
      code: 'insufficient_quota',
      message: quoted("Your tier's request quota for this period is used up."),
    },
  ],
  [
    apigateway.ResponseType.REQUEST_TOO_LARGE,
    {
      status: '413',
      type: 'invalid_request_error',
      code: 'request_too_large',
      message: quoted('The request body is too large.'),
    },
  ],
  [
    apigateway.ResponseType.BAD_REQUEST_BODY,
    {
      status: '400',
      type: 'invalid_request_error',
      code: 'invalid_request_body',
      message: quoted(
        'The request body is not a valid request for this endpoint: check model, messages or input, and the parameter types.',
      ),
    },
  ],
  [
    apigateway.ResponseType.WAF_FILTERED,
    {
      status: '403',
      type: 'invalid_request_error',
      code: 'request_blocked',
      message: quoted("The request was blocked by the API's firewall."),
    },
  ],
  [
    apigateway.ResponseType.DEFAULT_4XX,
    { status: '400', type: 'invalid_request_error', code: 'bad_request', message: '$context.error.messageString' },
  ],
  [
    apigateway.ResponseType.DEFAULT_5XX,
    { status: '500', type: 'api_error', code: 'gateway_error', message: '$context.error.messageString' },
  ],
];

export function addOpenAiGatewayResponses(api: apigateway.RestApi): void {
  for (const [type, body] of OPENAI_GATEWAY_RESPONSES) {
    api.addGatewayResponse(type.responseType, {
      type,
      // DEFAULT_* keep the status API Gateway chose (400-499, 500-599); the others set theirs.
      statusCode:
        type === apigateway.ResponseType.DEFAULT_4XX || type === apigateway.ResponseType.DEFAULT_5XX
          ? undefined
          : body.status,
      templates: {
        'application/json': `{"error":{"message":${body.message},"type":"${body.type}","param":null,"code":"${body.code}"}}`,
      },
    });
  }
}
