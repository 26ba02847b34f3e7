import { SQSClient } from '@aws-sdk/client-sqs';
import type { JobsApi } from '../core/jobs/jobs-api';
import { proxyHandler } from '../gateway/proxy-adapter';
import { HandlerTelemetry } from '../telemetry';
import { createDeployedJobsApi } from './runtime';

const telemetry = new HandlerTelemetry({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'llm-jobs-api' });

// Built once per execution environment, on the first request.
let api: Promise<JobsApi> | undefined;

export const handler = telemetry.wrap(
  proxyHandler(
    async (request) => {
      api ??= createDeployedJobsApi(process.env, { sqs: new SQSClient({}) })
        .then(({ api }) => api)
        .catch((error) => {
          api = undefined; // built again on the next request rather than failing forever
          throw error;
        });
      return (await api).handle(request);
    },
    (error) => telemetry.logger.error('jobs API failed', error as Error),
  ),
);
