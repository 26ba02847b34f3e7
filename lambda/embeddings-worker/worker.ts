import type { CollectionService, IngestResult, ReindexOutcome } from '../core/embeddings';
import { GatewayError } from '../core/http/errors';
import { decodeEmbeddingsWork } from './work';

export type ObjectOutcome =
  | ({ readonly kind: 'ingested'; readonly key: string } & IngestResult)
  /** Retrying cannot help (bad key, unsupported type, too large, invalid document): logged, not retried. */
  | { readonly kind: 'rejected'; readonly key: string; readonly reason: string };

export type EmbeddingsWorkOutcome =
  | { readonly kind: 'reindex'; readonly outcome: ReindexOutcome }
  | { readonly kind: 'objects'; readonly objects: readonly ObjectOutcome[] }
  | { readonly kind: 'test-event' };

export interface EmbeddingsWorkerOptions {
  readonly service: Pick<CollectionService, 'runReindex' | 'ingestS3Object'>;
  /** The object's body (GetObject), or undefined when it no longer exists. */
  readonly readObject: (bucket: string, key: string) => Promise<Uint8Array | string | undefined>;
  /** Objects larger than this are rejected unread. */
  readonly maxObjectBytes: number;
}

/**
 * The embedding service's queue worker: builds re-index versions and ingests the objects dropped
 * in the ingestion bucket, each as the tenant its key names. A throw means "deliver again": a
 * transient failure (database, provider, a 429 from the tenant's token limit) or a poison message,
 * which the queue moves to its dead-letter queue after maxReceiveCount receives. An object that
 * can never be ingested is rejected instead, so it does not spend the receives.
 */
export class EmbeddingsWorker {
  constructor(private readonly options: EmbeddingsWorkerOptions) {}

  async process(body: string): Promise<EmbeddingsWorkOutcome> {
    const work = decodeEmbeddingsWork(body);
    if (!work) throw new Error('The message is neither re-index work nor an S3 object notification');
    if (work.kind === 'test-event') return work;
    if (work.kind === 'reindex')
      return { kind: 'reindex', outcome: await this.options.service.runReindex(work.message) };
    const objects: ObjectOutcome[] = [];
    for (const object of work.objects) objects.push(await this.ingest(object.bucket, object.key, object.size));
    return { kind: 'objects', objects };
  }

  private async ingest(bucket: string, key: string, size: number): Promise<ObjectOutcome> {
    const { maxObjectBytes } = this.options;
    if (size > maxObjectBytes) {
      return { kind: 'rejected', key, reason: `${size} bytes, over the ${maxObjectBytes}-byte limit: split it` };
    }
    try {
      const body = await this.options.readObject(bucket, key);
      if (body === undefined) return { kind: 'rejected', key, reason: 'deleted before it was read' };
      const result = await this.options.service.ingestS3Object({ key, body });
      return {
        kind: 'ingested',
        key,
        documents: result.documents,
        chunksWritten: result.chunksWritten,
        unchanged: result.unchanged,
      };
    } catch (error) {
      if (error instanceof GatewayError && error.status >= 400 && error.status < 500 && error.status !== 429) {
        return { kind: 'rejected', key, reason: error.message };
      }
      throw error;
    }
  }
}
