import { startPlatformDatabase, type PlatformDatabase } from '../support/platform-database';
import type { Pool } from 'pg';
import { parseGatewayConfig } from '../../lambda/core/config/load';
import type { GatewayConfigInput } from '../../lambda/contract/config/gateway-config';
import { createGateway, type GatewayOptions } from '../../lambda/runtime/create-gateway';
import { EMBEDDED_CONFIG } from '../../lambda/runtime/embedded-config';
import { CollectionService, InProcessReindexQueue } from '../../lambda/core/embeddings';
import type { Gateway } from '../../lambda/core/pipeline/gateway';
import type { TraceRecord } from '../../lambda/core/trace/record';

/** The built-in embedding model's size: the partial HNSW index the migration makes in tests. */
export const DIMENSIONS = 256;
export const MODEL = 'builtin-embedding';

/** The platform's database, with the schema of the built-in embedding model. */
export const startEmbeddingsDatabase = (): Promise<PlatformDatabase> => startPlatformDatabase(DIMENSIONS);

/**
 * The real gateway, in-process, on the built-in deterministic model (the embedded config), with
 * extra config (token limits, budgets) and its trace records kept for the test to read.
 */
export function testGateway(
  extra: Partial<GatewayConfigInput> = {},
  options: Pick<GatewayOptions, 'providers'> = {},
): { gateway: Gateway; traces: TraceRecord[] } {
  const traces: TraceRecord[] = [];
  const gateway = createGateway({
    ...options,
    config: parseGatewayConfig({ ...EMBEDDED_CONFIG, ...extra }, 'embeddings test'),
    traces: { record: (trace) => traces.push(trace) },
  });
  return { gateway, traces };
}

export function testService(pool: Pool, gateway: Gateway = testGateway().gateway) {
  const queue = new InProcessReindexQueue();
  const service = new CollectionService({ pool, gateway, queue });
  queue.attach((message) => service.runReindex(message));
  return { service, queue };
}

let counter = 0;
/** A collection name no other test in the file uses. */
export const uniqueName = (base: string) => `${base}-${++counter}`;
