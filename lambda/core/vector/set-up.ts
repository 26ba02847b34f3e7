import { ensureApplicationRole, type DatabaseLogin } from './application-role';
import { applyDatabaseSettings } from './database-settings';
import { migrateVectorSchema } from './migrate';
import type { SqlClient } from './sql-client';

export interface VectorStoreSetUpOptions {
  /** The semantic cache's vector size (see `VectorSchemaOptions`). */
  readonly dimensions: number;
  /** The chunk sizes to index (see `VectorSchemaOptions`). @default [dimensions] */
  readonly embeddingDimensions?: readonly number[];
  /** The application role and its current login; omit to leave roles alone. */
  readonly application?: { readonly role: string; readonly login: DatabaseLogin };
}

export interface VectorStoreSetUpResult {
  /** Migrations applied by this run (none when the schema was current). */
  readonly applied: string[];
  /** Whether this run created the application's login role. */
  readonly createdRole: boolean;
}

/**
 * Everything a fresh or existing database needs before the gateway uses it: the schema migrations,
 * the database's default settings, and the application role's privileges. Idempotent, and safe to
 * run from several places at once (the migrations take an advisory lock). `session` must be one
 * session with the rights of the database owner.
 */
export async function setUpVectorStore(
  session: SqlClient,
  options: VectorStoreSetUpOptions,
): Promise<VectorStoreSetUpResult> {
  const applied = await migrateVectorSchema(session, {
    dimensions: options.dimensions,
    embeddingDimensions: options.embeddingDimensions,
  });
  await applyDatabaseSettings(session);
  const role = options.application ? await ensureApplicationRole(session, options.application) : { created: false };
  return { applied, createdRole: role.created };
}
