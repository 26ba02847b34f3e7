import { decodeReindexMessage, type ReindexMessage } from '../core/embeddings/reindex-queue';

/**
 * What arrives on the embedding service's queue: re-index work the API sent, or new objects in the
 * ingestion bucket: as EventBridge "Object Created" events (what the construct wires), or as S3's
 * own notification records (a bucket notifying the queue directly). Both share the queue's retries
 * and its dead-letter queue.
 */
export type EmbeddingsWork =
  | { readonly kind: 'reindex'; readonly message: ReindexMessage }
  | { readonly kind: 'objects'; readonly objects: readonly S3ObjectRef[] }
  /** S3's `s3:TestEvent`, sent once when the notification is configured. */
  | { readonly kind: 'test-event' };

export interface S3ObjectRef {
  readonly bucket: string;
  /** URL-decoded: S3 events carry keys form-encoded (`+` for a space). */
  readonly key: string;
  readonly size: number;
}

interface EventBridgeObjectCreated {
  source?: unknown;
  'detail-type'?: unknown;
  detail?: { bucket?: { name?: unknown }; object?: { key?: unknown; size?: unknown } };
}

interface S3EventBody extends EventBridgeObjectCreated {
  Event?: unknown;
  Records?: Array<{
    eventSource?: unknown;
    eventName?: unknown;
    s3?: { bucket?: { name?: unknown }; object?: { key?: unknown; size?: unknown } };
  }>;
}

/** The work in a message body, or undefined for a body that is neither (a poison message). */
export function decodeEmbeddingsWork(body: string): EmbeddingsWork | undefined {
  const reindex = decodeReindexMessage(body);
  if (reindex) return { kind: 'reindex', message: reindex };
  let parsed: S3EventBody;
  try {
    parsed = JSON.parse(body) as S3EventBody;
  } catch {
    return undefined;
  }
  if (parsed?.Event === 's3:TestEvent') return { kind: 'test-event' };
  if (parsed?.source === 'aws.s3') return objectCreated(parsed);
  if (!Array.isArray(parsed?.Records) || parsed.Records.length === 0) return undefined;
  const objects: S3ObjectRef[] = [];
  for (const record of parsed.Records) {
    const bucket = record.s3?.bucket?.name;
    const key = record.s3?.object?.key;
    if (record.eventSource !== 'aws:s3' || typeof bucket !== 'string' || typeof key !== 'string') return undefined;
    if (typeof record.eventName !== 'string' || !record.eventName.startsWith('ObjectCreated:')) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(key.replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
    objects.push({ bucket, key: decoded, size: Number(record.s3?.object?.size ?? 0) });
  }
  return { kind: 'objects', objects };
}

/** An EventBridge event from S3. Its key is the object's key as is (S3's own records form-encode it). */
function objectCreated(event: EventBridgeObjectCreated): EmbeddingsWork | undefined {
  const bucket = event.detail?.bucket?.name;
  const key = event.detail?.object?.key;
  if (typeof bucket !== 'string' || typeof key !== 'string') return undefined;
  if (event['detail-type'] !== 'Object Created') return { kind: 'objects', objects: [] };
  return { kind: 'objects', objects: [{ bucket, key, size: Number(event.detail?.object?.size ?? 0) }] };
}
