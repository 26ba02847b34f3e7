import { Client } from 'pg';
import {
  scramSha256Verifier,
  setUpVectorStore,
  startEmbeddedPostgres,
  toVectorLiteral,
  type EmbeddedPostgres,
} from '../../lambda/core/vector';
import { VECTOR_DATABASE_SETTINGS } from '../../lambda/contract/vector-schema/database-settings';

/** The vector store's set-up step on embedded Postgres + pgvector, through pg. */
let pg: EmbeddedPostgres;
let session: Client;

beforeAll(async () => {
  pg = await startEmbeddedPostgres();
  session = new Client({ connectionString: pg.connectionString });
  await session.connect();
});
afterAll(async () => {
  await session.end();
  await pg.stop();
});

const APP = { role: 'llm_app', login: { username: 'llm_app', password: 'Generated-Password-0123456789abcdef' } };

async function asRole<T>(role: string, work: () => Promise<T>): Promise<T> {
  await session.query(`SET ROLE ${role}`);
  try {
    return await work();
  } finally {
    await session.query('RESET ROLE');
  }
}

test('a SCRAM verifier computed here is the one the server computes for the same salt', async () => {
  await session.query("SET password_encryption = 'scram-sha-256'");
  await session.query("CREATE ROLE scram_probe PASSWORD 'Probe-Password-42'");
  const { rows } = await session.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'scram_probe'");
  const stored: string = rows[0].rolpassword;
  const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored)!;
  expect(
    scramSha256Verifier('Probe-Password-42', { salt: Buffer.from(salt, 'base64'), iterations: Number(iterations) }),
  ).toBe(stored);
  expect(() => scramSha256Verifier('with space')).toThrow(/printable ASCII/);
});

test('sets up a fresh database: schema, database settings, and the application role', async () => {
  const result = await setUpVectorStore(session, { dimensions: 3, application: APP });
  expect(result).toEqual({
    applied: [
      '001_vector_extension',
      '002_semantic_cache',
      '005_async_jobs',
      '006_embedding_collections',
      '007_embedding_chunks',
      '008_embedding_chunks_hnsw_0003',
    ],
    createdRole: true,
  });

  const settings = await session.query(
    `SELECT unnest(setconfig) AS setting FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
      WHERE d.datname = current_database() AND s.setrole = 0`,
  );
  expect(settings.rows.map((r) => r.setting)).toEqual(
    Object.entries(VECTOR_DATABASE_SETTINGS).map(([name, value]) => `${name}=${value}`),
  );

  const role = await session.query(
    "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolpassword FROM pg_authid WHERE rolname = 'llm_app'",
  );
  expect(role.rows[0]).toMatchObject({ rolcanlogin: true, rolsuper: false, rolcreatedb: false, rolcreaterole: false });
  expect(role.rows[0].rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
  expect(role.rows[0].rolpassword).not.toContain(APP.login.password);
});

test('running it again changes nothing and keeps the password rotation may have set', async () => {
  const before = await session.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'llm_app'");
  const again = await setUpVectorStore(session, {
    dimensions: 3,
    application: { ...APP, login: { ...APP.login, password: 'A-Different-Password-Now-0123456789' } },
  });
  expect(again).toEqual({ applied: [], createdRole: false });
  const after = await session.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'llm_app'");
  expect(after.rows[0].rolpassword).toBe(before.rows[0].rolpassword);
});

test('the application role reads and writes the cache, and can do nothing else', async () => {
  await asRole('llm_app', async () => {
    await session.query(
      `INSERT INTO semantic_cache (tenant, partition, prompt_hash, embedding, response, expires_at)
       VALUES ('t', 'p', 'h', $1, '{}', now() + interval '1 hour')`,
      [toVectorLiteral([1, 0, 0])],
    );
    const { rows } = await session.query('SELECT count(*)::int AS n FROM semantic_cache');
    expect(rows[0].n).toBe(1);
    await session.query("DELETE FROM semantic_cache WHERE tenant = 't'");
    await expect(session.query('CREATE TABLE intruder (id int)')).rejects.toThrow(/permission denied/);
    await expect(session.query('DROP TABLE semantic_cache')).rejects.toThrow(/must be owner/);
    await expect(session.query("INSERT INTO schema_migrations (id) VALUES ('999_fake')")).rejects.toThrow(
      /permission denied/,
    );
    await expect(session.query("ALTER DATABASE postgres SET work_mem = '1GB'")).rejects.toThrow(/must be owner/);
  });
});

test('tables added by a later migration are granted to the application role too', async () => {
  await session.query('CREATE TABLE later_table (id bigserial PRIMARY KEY, v text)');
  await asRole('llm_app', async () => {
    await session.query("INSERT INTO later_table (v) VALUES ('ok')");
  });
  await session.query('DROP TABLE later_table');
});

test('after alternating-users rotation, the clone login holds the role’s privileges', async () => {
  await setUpVectorStore(session, {
    dimensions: 3,
    application: { role: 'llm_app', login: { username: 'llm_app_clone', password: 'Clone-Password-0123456789abcdef' } },
  });
  await asRole('llm_app_clone', async () => {
    const { rows } = await session.query('SELECT count(*)::int AS n FROM semantic_cache');
    expect(rows[0].n).toBe(0);
  });
});

test('refuses a secret of another user, and a role name it cannot quote safely', async () => {
  await expect(
    setUpVectorStore(session, {
      dimensions: 3,
      application: { role: 'llm_app', login: { username: 'postgres', password: 'x' } },
    }),
  ).rejects.toThrow(/secret is for user "postgres", not for "llm_app" or "llm_app_clone"/);
  await expect(
    setUpVectorStore(session, {
      dimensions: 3,
      application: { role: 'App; DROP', login: { username: 'App; DROP', password: 'x' } },
    }),
  ).rejects.toThrow(/lower-case letters, digits and underscores/);
});
