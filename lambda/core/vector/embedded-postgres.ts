const loadPglite = () => import('@electric-sql/pglite');
type PGlite = InstanceType<Awaited<ReturnType<typeof loadPglite>>['PGlite']>;

export interface EmbeddedPostgres {
  /** The in-process database, for code that talks to PGlite directly. */
  readonly db: PGlite;
  /** `postgres://` URL of the wire-protocol server, for code that talks through `pg`. */
  readonly connectionString: string;
  stop(): Promise<void>;
}

/**
 * Real Postgres with pgvector, in WASM, in this process, served over the Postgres wire protocol on
 * loopback. It stands in for Aurora in tests and in the local server's embedded defaults, so the
 * same SQL and the same `pg` client code run against both.
 *
 * PGlite is one backend: the socket server queues queries from concurrent connections, and while one
 * connection is inside a transaction only its queries run. Session state (SET, advisory locks) is
 * shared by every connection, unlike on a real server.
 *
 * PGlite is loaded here, when asked for, so that a process that never embeds Postgres (a gateway
 * without a semantic cache) does not carry it.
 */
export async function startEmbeddedPostgres(
  options: { port?: number; dataDir?: string; maxConnections?: number } = {},
): Promise<EmbeddedPostgres> {
  const [{ PGlite }, { vector }, { PGLiteSocketServer }] = await Promise.all([
    loadPglite(),
    import('@electric-sql/pglite/vector'),
    import('@electric-sql/pglite-socket'),
  ]);
  const db = await PGlite.create({ dataDir: options.dataDir, extensions: { vector } });
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 64,
  });
  await server.start();
  const address = server.getServerConn(); // host:port
  return {
    db,
    connectionString: `postgres://postgres@${address}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
