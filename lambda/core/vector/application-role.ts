import { scramSha256Verifier } from './scram';
import type { SqlClient } from './sql-client';

/** A database login, as the RDS secret format holds it. */
export interface DatabaseLogin {
  readonly username: string;
  readonly password: string;
}

export interface ApplicationRoleOptions {
  /** The role the application's privileges are granted to, e.g. `llm_app`. */
  readonly role: string;
  /**
   * The application's current login, from its secret. Alternating-users rotation makes it either
   * `role` itself or `<role>_clone` (a member of `role`, so it holds the same privileges).
   */
  readonly login: DatabaseLogin;
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,54}$/;

/**
 * Runs a utility statement built by the server's own format(): names quoted with %I, literals with
 * %L. Utility statements (CREATE ROLE, GRANT) take no bind parameters.
 */
export async function runFormatted(session: SqlClient, template: string, ...values: string[]): Promise<void> {
  const args = values.map((_, i) => `$${i + 2}::text`).join(', ');
  const { rows } = await session.query<{ sql: string }>(`SELECT format($1::text, ${args}) AS sql`, [
    template,
    ...values,
  ]);
  await session.query(rows[0].sql);
}

async function roleExists(session: SqlClient, role: string): Promise<boolean> {
  const { rows } = await session.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  return rows.length > 0;
}

/**
 * The least-privileged role the gateway connects as: it reads and writes the platform's tables and
 * nothing else (no DDL, no schema_migrations changes). Creates the login role when it does not
 * exist, with a SCRAM verifier of the secret's password, and (re)grants the privileges on every
 * run, so that tables added by later migrations are covered. Never changes an existing login's
 * password: after the first rotation, the rotation function owns it.
 */
export async function ensureApplicationRole(
  session: SqlClient,
  { role, login }: ApplicationRoleOptions,
): Promise<{ created: boolean }> {
  if (!ROLE_NAME.test(role)) {
    throw new Error(`application role "${role}" must be lower-case letters, digits and underscores, at most 55`);
  }
  if (login.username !== role && login.username !== `${role}_clone`) {
    throw new Error(
      `the application secret is for user "${login.username}", not for "${role}" or "${role}_clone"; ` +
        'point the schema step at the secret of the application role',
    );
  }
  let created = false;
  if (!(await roleExists(session, login.username))) {
    await runFormatted(
      session,
      'CREATE ROLE %I LOGIN PASSWORD %L',
      login.username,
      scramSha256Verifier(login.password),
    );
    created = true;
  }
  if (login.username !== role) {
    if (!(await roleExists(session, role))) {
      await runFormatted(session, 'CREATE ROLE %I NOLOGIN', role);
    }
    await runFormatted(session, 'GRANT %I TO %I', role, login.username);
  }
  const { rows } = await session.query<{ db: string }>('SELECT current_database() AS db');
  await runFormatted(session, 'GRANT CONNECT ON DATABASE %I TO %I', rows[0].db, role);
  await runFormatted(session, 'GRANT USAGE ON SCHEMA public TO %I', role);
  await runFormatted(session, 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', role);
  await runFormatted(session, 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', role);
  await runFormatted(
    session,
    'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I',
    role,
  );
  await runFormatted(session, 'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO %I', role);
  // Which migrations ran is the migrator's record alone.
  await runFormatted(session, 'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM %I', role);
  return { created };
}
