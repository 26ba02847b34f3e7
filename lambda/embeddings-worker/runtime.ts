import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { EMBEDDINGS_ENV } from '../contract/environment';
import { positiveIntegerEnv } from '../runtime/read-env';
import type { Env } from '../runtime/redis';
import type { GatewayTelemetry } from '../core/telemetry';
import { EMBEDDINGS_CONSTRUCT, createDeployedEmbeddingService } from '../runtime/deployed-embeddings';
import { EmbeddingsWorker } from './worker';

/** The embedding service's queue worker as deployed: the service, and objects read from S3. */
export async function createDeployedEmbeddingsWorker(
  env: Env,
  telemetry: GatewayTelemetry,
  handlerDir: string,
  clients: {
    readonly sqs: Pick<SQSClient, 'send'>;
    readonly s3: Pick<S3Client, 'send'>;
    readonly secrets?: SecretsProvider;
  },
): Promise<{ readonly worker: EmbeddingsWorker; close(): Promise<void> }> {
  const maxObjectBytes = positiveIntegerEnv(env, EMBEDDINGS_ENV.maxObjectBytes, EMBEDDINGS_CONSTRUCT);
  const { service, close } = await createDeployedEmbeddingService(env, telemetry, handlerDir, clients);
  const readObject = async (bucket: string, key: string) => {
    try {
      const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!object.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      return await object.Body.transformToByteArray();
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  };
  return { worker: new EmbeddingsWorker({ service, readObject, maxObjectBytes }), close };
}
