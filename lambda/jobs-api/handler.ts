import { SQSClient } from '@aws-sdk/client-sqs';
import { buildOnce } from '../adapters/build-once';
import { proxyHandler } from '../adapters/proxy-adapter';
import { HandlerTelemetry } from '../adapters/handler-telemetry';
import { createDeployedJobsApi } from './runtime';

const telemetry = new HandlerTelemetry({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'llm-jobs-api' });

// Built once per execution environment, on the first request.
const api = buildOnce(async () => (await createDeployedJobsApi(process.env, { sqs: new SQSClient({}) })).api);

export const handler = telemetry.wrap(
  proxyHandler(
    async (request) => (await api()).handle(request),
    (error) => telemetry.logger.error('jobs API failed', error as Error),
  ),
);
