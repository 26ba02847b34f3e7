/**
 * The little the vector code needs from a Postgres client. `pg.Pool`, `pg.Client` and PGlite all
 * satisfy it, so the same SQL runs on Aurora, on local Postgres and on embedded PGlite.
 */
export interface SqlClient {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** pgvector's text form of a vector: `[0.1,0.2,...]`. */
export function toVectorLiteral(vector: ArrayLike<number>): string {
  return `[${Array.prototype.join.call(vector, ',')}]`;
}
