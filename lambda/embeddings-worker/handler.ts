import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { sqsBatchHandler } from '../adapters/sqs-batch';
import { HandlerTelemetry } from '../adapters/handler-telemetry';
import { createDeployedEmbeddingsWorker } from './runtime';

const telemetry = new HandlerTelemetry({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'llm-embeddings-worker' });
const gatewayTelemetry = telemetry.gatewayTelemetry();

export const handler = telemetry.wrap(
  sqsBatchHandler({
    worker: async () =>
      (
        await createDeployedEmbeddingsWorker(process.env, gatewayTelemetry, __dirname, {
          sqs: new SQSClient({}),
          s3: new S3Client({}),
        })
      ).worker,
    process: (worker, record) => worker.process(record.body),
    // The embeddings' metrics are the gateway's own (they ran through it); the queue's are SQS's.
    onOutcome: (outcome) => telemetry.logger.info('embeddings work done', { outcome }),
    onRetry: (error, record) =>
      telemetry.logger.warn('embeddings work will be delivered again', {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        error: (error as Error).message,
      }),
  }),
);
