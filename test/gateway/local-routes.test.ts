import { LOCAL_DEVELOPMENT_KEY } from '../../lambda/runtime/embedded-config';
import { jsonResponse } from '../../lambda/core/pipeline/responses';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/server';

describe('local server: services beside the gateway', () => {
  let local: LocalGateway;
  const seen: string[] = [];

  beforeAll(async () => {
    local = await startLocalGateway({
      routes: [
        (gateway) => async (request) => {
          if (!request.path.startsWith('/v1/notes')) return undefined;
          const identity = gateway.identify(request);
          seen.push(`${request.method} ${request.path} ${Buffer.from(request.body).toString()}`);
          return jsonResponse(200, { tenant: identity.tenant }, {});
        },
      ],
    });
  });
  afterAll(() => local.close());

  const call = (path: string, key?: string, body?: string) =>
    fetch(`${local.url}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: key ? { authorization: `Bearer ${key}` } : {},
      body,
    });

  test('a route answers its own paths, authenticated by the gateway, with the body read once', async () => {
    const response = await call('/v1/notes', LOCAL_DEVELOPMENT_KEY, '{"a":1}');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ tenant: expect.any(String) });
    expect(seen).toEqual(['POST /v1/notes {"a":1}']);
  });

  test('a wrong key on a route is the gateway’s own 401, in the OpenAI error format', async () => {
    const response = await call('/v1/notes', 'sk-wrong');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { type: 'authentication_error', code: 'invalid_api_key' } });
  });

  test('every other path still reaches the gateway', async () => {
    const response = await call('/v1/models', LOCAL_DEVELOPMENT_KEY);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ object: 'list' });
  });
});
