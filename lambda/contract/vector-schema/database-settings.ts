/**
 * Settings the platform gives its database as defaults for every new session (`ALTER DATABASE ...
 * SET`), for parameters that a DB parameter group cannot hold. Aurora's parameter groups accept
 * only the parameters AWS lists for the engine, and pgvector's (`hnsw.*`) are not among them.
 */
export const VECTOR_DATABASE_SETTINGS: Readonly<Record<string, string>> = {
  // Filtered nearest-neighbour queries (the semantic cache filters by tenant and partition) keep
  // scanning the HNSW index until enough rows pass the filter, instead of returning too few
  // (pgvector >= 0.8). Relaxed order: the caller re-checks each row's distance anyway.
  'hnsw.iterative_scan': 'relaxed_order',
};
