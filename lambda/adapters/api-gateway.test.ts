import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { PassThrough, type Writable } from 'node:stream';
import { parseGatewayConfig } from '../core/config/load';
import { createGateway } from '../runtime/create-gateway';
import { EMBEDDED_CONFIG, LOCAL_DEVELOPMENT_KEY } from '../runtime/embedded-config';
import { MemoryTraceSink } from '../../test/support/memory-sinks';
import { identityOf, streamingHandler, type HttpResponseStreamFactory } from './api-gateway';

/** Stands in for the Lambda runtime's HttpResponseStream: records the prelude, passes the body. */
function recordingFactory() {
  const recorded: { prelude?: { statusCode: number; headers: Record<string, string> }; body: string } = { body: '' };
  const factory: HttpResponseStreamFactory = {
    from(stream: Writable, prelude) {
      recorded.prelude = prelude;
      return stream;
    },
  };
  return { factory, recorded };
}

function event(overrides: Partial<APIGatewayProxyEvent>): APIGatewayProxyEvent {
  return {
    httpMethod: 'POST',
    path: '/chat/completions',
    headers: { 'Content-Type': 'application/json' },
    body: null,
    isBase64Encoded: false,
    requestContext: { stage: 'v1', authorizer: { tenant: 'acme', user: 'u1', keyId: 'k1' } },
    ...overrides,
  } as unknown as APIGatewayProxyEvent;
}

const context = { getRemainingTimeInMillis: () => 60_000 } as Context;

async function invoke(e: APIGatewayProxyEvent) {
  const traces = new MemoryTraceSink();
  const gateway = createGateway({ config: parseGatewayConfig(EMBEDDED_CONFIG), traces });
  const { factory, recorded } = recordingFactory();
  const errors: unknown[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => (recorded.body += chunk.toString()));
  await streamingHandler(
    (r) => gateway.handle(r),
    factory,
    (error) => errors.push(error),
  )(e, stream, context);
  return { ...recorded, traces: traces.records, errors };
}

describe('the Lambda adapter over API Gateway REST proxy events with response streaming', () => {
  test('a chat completion: the authorizer context is the caller, the stage-less path is the route', async () => {
    const { prelude, body, traces } = await invoke(
      event({ body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'hi' }] }) }),
    );
    expect(prelude?.statusCode).toBe(200);
    expect(prelude?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(body).choices[0].message.content).toBe('You said: hi');
    expect(traces[0]).toMatchObject({ tenant: 'acme', user: 'u1', route: '/v1/chat/completions' });
  });

  test('a stream is written as server-sent events ending in [DONE]', async () => {
    const { prelude, body } = await invoke(
      event({
        body: Buffer.from(
          JSON.stringify({ model: 'default', stream: true, messages: [{ role: 'user', content: 'a b' }] }),
        ).toString('base64'),
        isBase64Encoded: true,
      }),
    );
    expect(prelude?.headers['content-type']).toMatch(/^text\/event-stream/);
    const frames = body.split('\n\n').filter(Boolean);
    expect(frames[frames.length - 1]).toBe('data: [DONE]');
    const text = frames
      .slice(0, -1)
      .map((f) => JSON.parse(f.slice('data: '.length)))
      .map((c) => c.choices[0]?.delta.content ?? '')
      .join('');
    expect(text).toBe('You said: a b');
  });

  test('without an authorizer context the bearer key is checked by the core', async () => {
    const noAuthorizer = { requestContext: { stage: 'v1' } } as unknown as Partial<APIGatewayProxyEvent>;
    const denied = await invoke(event({ ...noAuthorizer, body: '{}' }));
    expect(denied.prelude?.statusCode).toBe(401);
    const allowed = await invoke(
      event({
        ...noAuthorizer,
        httpMethod: 'GET',
        path: '/models',
        headers: { Authorization: `Bearer ${LOCAL_DEVELOPMENT_KEY}` },
      }),
    );
    expect(allowed.prelude?.statusCode).toBe(200);
  });

  test('the authorizer context may restrict models', () => {
    expect(identityOf(event({ requestContext: { authorizer: { tenant: 't', models: 'a,b' } } } as never))).toEqual({
      tenant: 't',
      user: undefined,
      keyId: undefined,
      allowedModels: ['a', 'b'],
    });
    expect(identityOf(event({ requestContext: { authorizer: { tenant: '' } } } as never))).toBeUndefined();
  });

  test('a gateway that cannot start answers 500 in OpenAI form and reports why', async () => {
    const { factory, recorded } = recordingFactory();
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => (recorded.body += chunk.toString()));
    const errors: unknown[] = [];
    const failing = streamingHandler(
      () => Promise.reject(new Error('config missing')),
      factory,
      (error) => errors.push(error),
    );
    await failing(event({ body: '{}' }), stream, context);
    expect(recorded.prelude?.statusCode).toBe(500);
    expect(JSON.parse(recorded.body).error.code).toBe('internal_error');
    expect(errors).toHaveLength(1);
  });
});
