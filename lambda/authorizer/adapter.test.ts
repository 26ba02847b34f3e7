import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { createHash } from 'node:crypto';
import type { ApiKeyRecord } from '../core/auth/api-key';
import { ApiKeyVerifier, type Refusal } from '../core/auth/api-key-verifier';
import { identityOf } from '../adapters/api-gateway';
import { UNAUTHORIZED, authorizerHandler, stageWideResource } from './adapter';

const KEY = 'sk-llm-' + 'k'.repeat(43);
const HASH = createHash('sha256').update(KEY).digest('hex');
const METHOD_ARN = 'arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/v1/POST/chat/completions';

/** A REQUEST authorizer event as API Gateway sends it for a REST API (version 1.0 shape). */
function event(headers: Record<string, string>): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    resource: '/chat/completions',
    path: '/v1/chat/completions',
    httpMethod: 'POST',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    pathParameters: {},
    queryStringParameters: {},
    multiValueQueryStringParameters: {},
    stageVariables: {},
    requestContext: { stage: 'v1', apiId: 'a1b2c3d4e5', httpMethod: 'POST', path: '/v1/chat/completions' },
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

function handler(overrides: Partial<ApiKeyRecord> = {}) {
  const record: ApiKeyRecord = {
    keyHash: HASH,
    keyId: HASH.slice(0, 12),
    tenant: 'acme',
    tier: 'premium',
    status: 'active',
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
  const refusals: Array<[Refusal, string | undefined]> = [];
  const store = { find: async (hash: string) => (hash === HASH ? record : undefined) };
  const handle = authorizerHandler(new ApiKeyVerifier(store, { tiers: ['standard', 'premium'] }), {
    refused: (reason, keyId) => refusals.push([reason, keyId]),
  });
  return { handle, refusals };
}

test('an accepted key: a stage-wide Allow, the context the gateway reads, and the tier usage plan key', async () => {
  const { handle } = handler({ user: 'alice', models: ['chat', 'embed'] });
  const result = await handle(event({ Authorization: `Bearer ${KEY}` }));
  expect(result).toEqual({
    principalId: `acme/${HASH.slice(0, 12)}`,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'execute-api:Invoke',
          Effect: 'Allow',
          Resource: 'arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/v1/*/*',
        },
      ],
    },
    context: { tenant: 'acme', keyId: HASH.slice(0, 12), tier: 'premium', user: 'alice', models: 'chat,embed' },
    usageIdentifierKey: 'llm-usage-a1b2c3d4e5-premium',
  });
  // The gateway's adapter reads exactly this context back into a caller identity.
  const gatewayEvent = { requestContext: { authorizer: result.context } } as never;
  expect(identityOf(gatewayEvent)).toEqual({
    tenant: 'acme',
    user: 'alice',
    keyId: HASH.slice(0, 12),
    allowedModels: ['chat', 'embed'],
  });
});

test('header names are matched case-insensitively (HTTP/2 clients send them lower-case)', async () => {
  const { handle } = handler();
  await expect(handle(event({ authorization: `Bearer ${KEY}` }))).resolves.toMatchObject({
    context: { tenant: 'acme' },
  });
});

test.each([
  ['an unknown key', { Authorization: `Bearer sk-llm-${'u'.repeat(43)}` }, 'unknown'],
  ['a malformed header', { Authorization: 'Token abc' }, 'malformed'],
  ['no Authorization header', { 'Content-Type': 'application/json' }, 'missing'],
])('%s is a 401 (the authorizer throws "Unauthorized") and its reason is logged', async (_n, headers, reason) => {
  const { handle, refusals } = handler();
  await expect(handle(event(headers))).rejects.toThrow(UNAUTHORIZED);
  expect(refusals).toEqual([[reason, undefined]]);
});

test('a revoked and an expired key are 401s logged with their key id, never the key', async () => {
  for (const [overrides, reason] of [
    [{ status: 'revoked' }, 'revoked'],
    [{ expiresAt: 1 }, 'expired'],
  ] as const) {
    const { handle, refusals } = handler(overrides);
    await expect(handle(event({ Authorization: `Bearer ${KEY}` }))).rejects.toThrow(UNAUTHORIZED);
    expect(refusals).toEqual([[reason, HASH.slice(0, 12)]]);
    expect(JSON.stringify(refusals)).not.toContain(KEY);
  }
});

test('a key of a tier without a usage plan gets an explicit Deny (403), not a 401', async () => {
  const { handle } = handler({ tier: 'gold' });
  const result = await handle(event({ Authorization: `Bearer ${KEY}` }));
  expect(result.policyDocument.Statement).toEqual([expect.objectContaining({ Effect: 'Deny' })]);
  expect(result.usageIdentifierKey).toBeUndefined();
});

test('stageWideResource covers every method and path of the stage, and refuses what is not a method ARN', () => {
  expect(stageWideResource('arn:aws-cn:execute-api:cn-north-1:111122223333:abc/v1/GET/models')).toEqual({
    restApiId: 'abc',
    resource: 'arn:aws-cn:execute-api:cn-north-1:111122223333:abc/v1/*/*',
  });
  expect(() => stageWideResource('arn:aws:lambda:us-east-1:1:function:x')).toThrow('not an API Gateway method ARN');
});
