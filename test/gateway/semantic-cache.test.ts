import { Pool } from 'pg';
import { HashingEmbedder } from '../../lambda/core/policy/cache/embedder';
import { migrateVectorSchema, startEmbeddedPostgres, type EmbeddedPostgres } from '../../lambda/core/vector';
import { KEYS, startHarness, type Harness } from './harness';

/**
 * Exact then semantic cache through the whole gateway; vectors in Postgres + pgvector (PGlite over
 * the wire protocol, through `pg`, as with Aurora).
 */
let pg: EmbeddedPostgres;
let pool: Pool;
let h: Harness;

beforeAll(async () => {
  pg = await startEmbeddedPostgres();
  pool = new Pool({ connectionString: pg.connectionString, max: 4 });
  const session = await pool.connect();
  try {
    await migrateVectorSchema(session, { dimensions: new HashingEmbedder().dimensions });
  } finally {
    session.release();
  }
  h = await startHarness({ vectorDb: pool, exactCache: {}, semanticCache: { threshold: 0.8 } });
});
afterAll(async () => {
  await h.close();
  await pool.end();
  await pg.stop();
});

const ask = (content: string, key: string = KEYS.full) =>
  h
    .client(key)
    .chat.completions.create({ model: 'claude', messages: [{ role: 'user', content }], temperature: 0 })
    .withResponse();

test('a paraphrase is answered from the semantic cache; another tenant is not', async () => {
  const first = await ask('How do I reset my account password?');
  expect(first.response.headers.get('x-llm-cache')).toBeNull();
  const paraphrase = await ask('how do I reset my password for my account');
  expect(paraphrase.response.headers.get('x-llm-cache')).toBe('hit');
  expect(paraphrase.data.choices[0].message.content).toBe(first.data.choices[0].message.content);
  expect(h.anthropic.requests).toHaveLength(1);

  const otherTenant = await ask('How do I reset my account password?', KEYS.restricted);
  expect(otherTenant.response.headers.get('x-llm-cache')).toBeNull();
  expect(h.anthropic.requests).toHaveLength(2);
});

test('a gateway configured with a semantic cache but no vector database refuses to start', async () => {
  await expect(startHarness({ semanticCache: {} })).rejects.toThrow(
    /semanticCache is configured but the gateway was given no vector database/,
  );
});
