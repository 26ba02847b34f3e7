import { SQSClient } from '@aws-sdk/client-sqs';
import { HandlerTelemetry } from '../adapters/handler-telemetry';
import { jobsWorkerHandler } from './batch';
import { createDeployedJobsWorker } from './runtime';

const telemetry = new HandlerTelemetry({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'llm-jobs-worker' });
const gatewayTelemetry = telemetry.gatewayTelemetry();

export const handler = telemetry.wrap(
  jobsWorkerHandler({
    worker: async (remainingMs) =>
      (
        await createDeployedJobsWorker(process.env, gatewayTelemetry, __dirname, remainingMs, {
          sqs: new SQSClient({}),
        })
      ).worker,
    // The calls' metrics are the gateway's own (the job ran through it); the queue's are SQS's.
    onOutcome: (outcome) => telemetry.logger.info('job message handled', { job: outcome.jobId, outcome: outcome.kind }),
    onRetry: (error, record) =>
      telemetry.logger.warn('job message will be delivered again', {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        error: (error as Error).message,
      }),
  }),
);
