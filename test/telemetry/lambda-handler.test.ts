import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { sha256Hex } from '../../lambda/core/pipeline/identity';
import { captureOutput, emfDocuments, type CapturedOutput } from '../support/capture-output';
import { startFakeProvider, type FakeProvider } from '../support/fake-providers/fake-provider';

/**
 * The deployed gateway handler in a simulated Lambda execution environment: active tracing with
 * the real X-Ray SDK sending subsegments to a loopback daemon (UDP), Powertools writing its cold
 * start metric and logs to stdout, and a loopback vLLM-style server receiving the W3C traceparent.
 */
const TRACE_ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const W3C_TRACE_ID = '5759e988bd862e3fe1be46a994272793';
const KEY = 'sk-lambda-test-key';

let daemon: Socket;
const datagrams: Array<Record<string, unknown>> = [];
let provider: FakeProvider;
let output: CapturedOutput;
let handler: (event: APIGatewayProxyEvent, stream: PassThrough, context: Context) => Promise<void>;
const preludes: Array<{ statusCode: number; headers: Record<string, string> }> = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  daemon = createSocket('udp4');
  daemon.on('message', (message) => {
    // Each datagram is a header line, then one (sub)segment document.
    const [, body] = message.toString('utf8').split('\n');
    if (body) datagrams.push(JSON.parse(body) as Record<string, unknown>);
  });
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  provider = await startFakeProvider({ format: 'openai' });
  const dir = mkdtempSync(path.join(tmpdir(), 'gateway-lambda-'));
  const configFile = path.join(dir, 'gateway-config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      models: { 'local-llm': { deployments: ['vllm'] } },
      deployments: {
        vllm: {
          provider: 'openai-compatible',
          model: 'meta-llama/Llama-3.1-8B-Instruct',
          baseUrl: provider.url,
          pricing: { input: 0, output: 0 },
        },
      },
      apiKeys: [{ sha256: sha256Hex(KEY), tenant: 'acme' }],
    }),
  );
  Object.assign(process.env, {
    LAMBDA_TASK_ROOT: dir,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    _X_AMZN_TRACE_ID: `Root=${TRACE_ROOT};Parent=53995c3f42cd8ad8;Sampled=1`,
    _HANDLER: 'handler.handler',
    POWERTOOLS_METRICS_NAMESPACE: 'LlmPlatformTest',
    GATEWAY_CONFIG_FILE: configFile,
  });
  (globalThis as Record<string, unknown>).awslambda = {
    streamifyResponse: (h: unknown) => h,
    HttpResponseStream: {
      from: (stream: PassThrough, prelude: { statusCode: number; headers: Record<string, string> }) => {
        preludes.push(prelude);
        return stream;
      },
    },
  };
  output = captureOutput();
  // Loaded only now: the X-Ray SDK and Powertools read the Lambda environment when they load.
  ({ handler } = jest.requireActual<{ handler: typeof handler }>('../../lambda/gateway/handler'));
});

afterAll(async () => {
  output.restore();
  process.env = savedEnv;
  delete (globalThis as Record<string, unknown>).awslambda;
  await provider.close();
  daemon.close();
});

const context = (requestId: string): Context =>
  ({
    functionName: 'llm-gateway-fn',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:llm-gateway-fn',
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/llm-gateway-fn',
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 30_000,
  }) as unknown as Context;

const event = (headers: Record<string, string> = {}): APIGatewayProxyEvent =>
  ({
    httpMethod: 'POST',
    path: '/chat/completions',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'local-llm', messages: [{ role: 'user', content: 'hello' }] }),
    isBase64Encoded: false,
    requestContext: {},
  }) as unknown as APIGatewayProxyEvent;

async function invoke(requestId: string, headers?: Record<string, string>): Promise<string> {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  await handler(event(headers), stream, context(requestId));
  return Buffer.concat(chunks).toString('utf8');
}

const until = async (done: () => boolean) => {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
};

test('each step is an X-Ray subsegment of the handler, and the provider continues the trace', async () => {
  const body = await invoke('req-1');
  expect(preludes[0].statusCode).toBe(200);
  expect(JSON.parse(body).choices[0].message.content).toBe('The quick brown fox jumps.');
  await until(() => datagrams.some((d) => String(d.name).startsWith('##')));

  const handlerSegment = datagrams.find((d) => d.name === '## handler.handler')!;
  expect(handlerSegment).toMatchObject({ trace_id: TRACE_ROOT, parent_id: '53995c3f42cd8ad8', type: 'subsegment' });
  const steps = datagrams.filter((d) => d.parent_id === handlerSegment.id);
  expect(steps.map((d) => d.name)).toEqual(['auth', 'route', 'admission:kill_switch', 'provider:vllm']);
  const attempt = steps.find((d) => d.name === 'provider:vllm')!;
  expect(attempt).toMatchObject({
    namespace: 'remote',
    http: { request: { url: provider.url, method: 'POST' } },
    annotations: { deployment: 'vllm', provider: 'openai-compatible' },
  });
  expect(datagrams.every((d) => d.trace_id === TRACE_ROOT)).toBe(true);
  // W3C trace context to the self-hosted server: the X-Ray trace, parent the attempt's subsegment.
  expect(provider.requests[0].headers.traceparent).toBe(`00-${W3C_TRACE_ID}-${attempt.id}-01`);
});

test('a caller with its own W3C trace context keeps it; the parent is still the attempt', async () => {
  const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  datagrams.length = 0;
  await invoke('req-2', { traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` });
  await until(() => datagrams.some((d) => String(d.name).startsWith('provider:')));
  const attempt = datagrams.find((d) => d.name === 'provider:vllm')!;
  expect(provider.requests[1].headers.traceparent).toBe(`00-${callerTrace}-${attempt.id}-01`);
});

test('the cold start is a metric once per execution environment, and every log line has the Lambda context', () => {
  const lines = output.lines();
  const coldStarts = emfDocuments(lines).filter((d) => d.metrics.some((m) => m.name === 'ColdStart'));
  expect(coldStarts).toHaveLength(1);
  expect(coldStarts[0]).toMatchObject({
    namespace: 'LlmPlatformTest',
    dimensionSets: [['service', 'function_name']],
    values: { service: 'llm-gateway', function_name: 'llm-gateway-fn' },
  });
  const traces = lines.filter((l) => l.includes('"llm.trace"')).map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(traces).toHaveLength(2);
  expect(traces[0]).toMatchObject({ function_name: 'llm-gateway-fn', cold_start: true, function_request_id: 'req-1' });
  expect(traces[1]).toMatchObject({ cold_start: false, function_request_id: 'req-2' });
  expect(traces[0].xray_trace_id).toBe(TRACE_ROOT);
  const calls = emfDocuments(lines).filter((d) => d.metrics.some((m) => m.name === 'Latency'));
  expect(calls.map((d) => d.values.Model)).toEqual(['local-llm', 'local-llm']);
});
