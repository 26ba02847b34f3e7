import type { Pool } from 'pg';
import { CollectionService, EmbeddingsApi, InProcessReindexQueue } from '../core/embeddings';
import type { Gateway } from '../core/pipeline/gateway';
import type { LocalRoute } from './http-adapter';

export interface EmbeddingsRouteOptions {
  /** Postgres with the vector schema applied (`migrateVectorSchema`). */
  readonly pool: Pool;
  /** The gateway's request size limit (`limits.maxBodyBytes`). @default 4 MiB, the config's default */
  readonly maxBodyBytes?: number;
  /** The re-index queue; pass one to watch it (`idle()`, `failures`). @default a new in-process queue */
  readonly queue?: InProcessReindexQueue;
  /** Told of a re-index that failed (it stays `building`). @default a line on stderr */
  readonly onReindexError?: (error: unknown) => void;
}

/**
 * The collections API beside the local gateway: embeddings go through that gateway, and a re-index
 * runs in this process in the background, as the SQS worker would run it when deployed.
 */
export function embeddingsRoute(options: EmbeddingsRouteOptions): (gateway: Gateway) => LocalRoute {
  return (gateway) => {
    const queue = options.queue ?? new InProcessReindexQueue();
    const service = new CollectionService({ pool: options.pool, gateway, queue });
    const onError =
      options.onReindexError ??
      ((error: unknown) => console.error(`re-index failed: ${error instanceof Error ? error.message : String(error)}`));
    queue.attach(async (message) => {
      try {
        return await service.runReindex(message);
      } catch (error) {
        onError(error);
        throw error;
      }
    });
    const api = new EmbeddingsApi({
      service,
      identify: (request) => gateway.identify(request),
      maxBodyBytes: options.maxBodyBytes ?? 4 * 1024 * 1024,
    });
    return (request) => api.handle(request);
  };
}
