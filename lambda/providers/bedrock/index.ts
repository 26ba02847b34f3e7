import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type BedrockRuntimeClientConfig,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Deployment } from '../../core/config/schema';
import { startCallTimers } from '../../core/providers/call-timers';
import type { CallContext, ProviderClient } from '../../core/providers/provider';
import { UpstreamError, failureForStatus } from '../../core/providers/upstream-error';
import { toConverseInput } from './request';
import { fromConverseResponse } from './response';
import { ConverseStreamTranslator } from './stream';

/**
 * Amazon Bedrock through the Converse and ConverseStream APIs, with the AWS SDK v3 client: it signs
 * with the function's role (SigV4). The SDK's own retries are off: the gateway's retry loop is the
 * only one. A deployment's `baseUrl`, when set, overrides the endpoint (a VPC endpoint, or a
 * loopback server in tests).
 */
export function bedrockProvider(clientConfig: Partial<BedrockRuntimeClientConfig> = {}): ProviderClient {
  const clients = new Map<string, BedrockRuntimeClient>();
  const clientFor = (deployment: Deployment) => {
    const key = `${deployment.region}|${deployment.baseUrl ?? ''}`;
    let client = clients.get(key);
    if (!client) {
      client = new BedrockRuntimeClient({
        region: deployment.region,
        ...(deployment.baseUrl ? { endpoint: deployment.baseUrl } : {}),
        maxAttempts: 1,
        // HTTP/1.1 with keep-alive: Converse needs no HTTP/2, and one transport is one thing to test.
        requestHandler: new NodeHttpHandler({ httpsAgent: { keepAlive: true }, httpAgent: { keepAlive: true } }),
        ...clientConfig,
      });
      clients.set(key, client);
    }
    return client;
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
        },
      );
    }
    return error as Error;
  };

  return {
    async complete(request, context) {
      const timers = startCallTimers(context);
      try {
        const response = await clientFor(context.deployment).send(
          new ConverseCommand(toConverseInput(request, context.deployment)),
          {
            abortSignal: timers.signal,
          },
        );
        return fromConverseResponse(response, context.deployment.model, `chatcmpl-${context.requestId}`);
      } catch (error) {
        throw timers.classify(upstreamError(error, context));
      } finally {
        timers.dispose();
      }
    },

    async *stream(request, context) {
      const timers = startCallTimers(context);
      const translator = new ConverseStreamTranslator(`chatcmpl-${context.requestId}`, context.deployment.model);
      try {
        const response = await clientFor(context.deployment).send(
          new ConverseStreamCommand(toConverseInput(request, context.deployment)),
          { abortSignal: timers.signal },
        );
        if (!response.stream) throw new UpstreamError('malformed', `${context.deploymentId} sent no stream`);
        for await (const event of response.stream) {
          timers.firstByteArrived();
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
