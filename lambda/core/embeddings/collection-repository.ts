import type { Pool } from 'pg';
import { toVectorLiteral } from '../vector/sql-client';
import { CollectionStatements, type CollectionRef, type Queryable } from './collection-statements';
import type { IndexVersion, SearchHit } from './collections';
import { MAX_HALFVEC_INDEX_DIMENSIONS, chunkIndexType } from '../../contract/vector-schema/embedding-migrations';

export interface NearestQuery {
  readonly version: IndexVersion;
  readonly vector: readonly number[];
  /** JSON containment on the chunk's metadata. */
  readonly filter: Record<string, unknown>;
  readonly topK: number;
}

/** The statements on the pool, and transactions that run them on one connection. */
export class CollectionRepository extends CollectionStatements {
  constructor(private readonly pool: Pick<Pool, 'query' | 'connect'>) {
    super(pool);
  }

  /** Runs `fn` in one transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(fn: (tx: CollectionStatements) => Promise<T>): Promise<T> {
    return this.onOneConnection((db) => fn(new CollectionStatements(db)));
  }

  /** The version's chunks nearest the vector by cosine distance, filtered on metadata. */
  async nearest(collection: CollectionRef, query: NearestQuery): Promise<SearchHit[]> {
    const n = checkedDimensions(query.version.dimensions!);
    const { rows } = await this.onOneConnection(async (db) => {
      // Without it, HNSW hands over its ef_search nearest chunks of every tenant and the filters
      // below can leave none for a small collection; iterative scans (pgvector 0.8) keep looking.
      await db.query(`SET LOCAL hnsw.iterative_scan = strict_order`);
      return db.query<NearestRow>(nearestChunksSql(n), [
        collection.tenant,
        collection.name,
        query.version.version,
        toVectorLiteral(query.vector),
        JSON.stringify(query.filter),
        query.topK,
      ]);
    });
    return rows.map((row) => ({
      documentId: row.document_id,
      chunkIndex: row.chunk_index,
      content: row.content,
      metadata: row.metadata,
      start: row.start_offset,
      end: row.end_offset,
      score: 1 - Number(row.distance),
    }));
  }

  private async onOneConnection<T>(fn: (db: Queryable) => Promise<T>): Promise<T> {
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      const result = await fn(db);
      await db.query('COMMIT');
      return result;
    } catch (error) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      db.release();
    }
  }
}

interface NearestRow {
  document_id: string;
  chunk_index: number;
  content: string;
  metadata: Record<string, unknown>;
  start_offset: number;
  end_offset: number;
  distance: number;
}

/**
 * The search statement for n-dimensional vectors. A type modifier cannot be a parameter; the cast
 * and the `dimensions = n` predicate must match the partial HNSW index's expression for the
 * planner to use it, so n is a checked integer written into the text.
 * Parameters: tenant, collection, version, query vector, metadata filter (jsonb), limit.
 */
export function nearestChunksSql(dimensions: number): string {
  const n = checkedDimensions(dimensions);
  // Sizes above 2,000 are indexed as halfvec; above 4,000 there is no index (a sequential scan).
  const type = n <= MAX_HALFVEC_INDEX_DIMENSIONS ? chunkIndexType(n) : `vector(${n})`;
  return `SELECT document_id, chunk_index, content, metadata, start_offset, end_offset,
              embedding::${type} <=> $4::${type} AS distance
         FROM embedding_chunks
        WHERE tenant = $1 AND collection = $2 AND version = $3 AND dimensions = ${n} AND metadata @> $5::jsonb
        ORDER BY embedding::${type} <=> $4::${type}
        LIMIT $6`;
}

function checkedDimensions(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 16_000) throw new Error(`invalid vector dimensions ${n}`);
  return n;
}
