import type { BedrockRuntimeClient, BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';
import type { Deployment } from '../../contract/config/gateway-config';
import { startCallTimers } from '../../core/providers/call-timers';
import type { CallContext, ProviderClient } from '../../core/providers/provider';
import {
  UpstreamError,
  clientDetailFor,
  failureForStatus,
  translateRequest,
} from '../../core/providers/upstream-error';
import { toConverseInput } from './request';
import { fromConverseResponse } from './response';
import { ConverseStreamTranslator } from './stream';

type BedrockSdk = typeof import('@aws-sdk/client-bedrock-runtime');
type SmithyHttp = typeof import('@smithy/node-http-handler');

/**
 * The AWS SDK loads on the first Bedrock call, not when the gateway starts: a gateway with no
 * Bedrock deployment never pays its module initialisation (tens of milliseconds of a cold start).
 */
let sdk: Promise<{ bedrock: BedrockSdk; http: SmithyHttp }> | undefined;
const loadSdk = () =>
  (sdk ??= Promise.all([import('@aws-sdk/client-bedrock-runtime'), import('@smithy/node-http-handler')]).then(
    ([bedrock, http]) => ({ bedrock, http }),
  ));

/**
 * Amazon Bedrock through the Converse and ConverseStream APIs, with the AWS SDK v3 client: it signs
 * with the function's role (SigV4). The SDK's own retries are off: the gateway's retry loop is the
 * only one. A deployment's `baseUrl`, when set, overrides the endpoint (a VPC endpoint, or a
 * loopback server in tests).
 */
export function bedrockProvider(clientConfig: Partial<BedrockRuntimeClientConfig> = {}): ProviderClient {
  const clients = new Map<string, BedrockRuntimeClient>();
  const clientFor = async (deployment: Deployment) => {
    const { bedrock, http } = await loadSdk();
    const key = `${deployment.region}|${deployment.baseUrl ?? ''}`;
    let client = clients.get(key);
    if (!client) {
      client = new bedrock.BedrockRuntimeClient({
        region: deployment.region,
        ...(deployment.baseUrl ? { endpoint: deployment.baseUrl } : {}),
        maxAttempts: 1,
        // HTTP/1.1 with keep-alive: Converse needs no HTTP/2, and one transport is one thing to test.
        requestHandler: new http.NodeHttpHandler({ httpsAgent: { keepAlive: true }, httpAgent: { keepAlive: true } }),
        ...clientConfig,
      });
      clients.set(key, client);
    }
    return { client, bedrock };
  };

  const upstreamError = (error: unknown, context: CallContext): Error => {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status && status >= 400) {
      return new UpstreamError(
        failureForStatus(status),
        `${context.deploymentId} answered ${status}: ${(error as Error).name}`,
        {
          status,
          deployment: context.deploymentId,
          cause: error,
          clientDetail: clientDetailFor(status, (error as Error).message),
        },
      );
    }
    return error as Error;
  };

  return {
    async complete(request, context) {
      const input = translateRequest(context.deploymentId, () => toConverseInput(request, context.deployment));
      const timers = startCallTimers(context);
      try {
        const { client, bedrock } = await clientFor(context.deployment);
        const response = await client.send(new bedrock.ConverseCommand(input), {
          abortSignal: timers.signal,
        });
        return fromConverseResponse(response, context.deployment.model, `chatcmpl-${context.requestId}`);
      } catch (error) {
        throw timers.classify(upstreamError(error, context));
      } finally {
        timers.dispose();
      }
    },

    async *stream(request, context) {
      const input = translateRequest(context.deploymentId, () => toConverseInput(request, context.deployment));
      const timers = startCallTimers(context);
      const translator = new ConverseStreamTranslator(`chatcmpl-${context.requestId}`, context.deployment.model);
      try {
        const { client, bedrock } = await clientFor(context.deployment);
        const response = await client.send(new bedrock.ConverseStreamCommand(input), { abortSignal: timers.signal });
        if (!response.stream) throw new UpstreamError('malformed', `${context.deploymentId} sent no stream`);
        for await (const event of response.stream) {
          timers.eventArrived();
          const { chunks, done } = translator.translate(event);
          for (const chunk of chunks) yield chunk;
          if (done) return;
        }
        throw new UpstreamError('connection', `${context.deploymentId} ended the stream before its metadata`, {
          deployment: context.deploymentId,
        });
      } catch (error) {
        throw timers.classify(upstreamError(error, context));
      } finally {
        timers.dispose();
      }
    },
  };
}
