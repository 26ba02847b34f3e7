import { parseS3Drop } from '../../lambda/core/embeddings/s3-drop';
import { MODEL, startEmbeddingsDatabase, testService } from './fixtures';

describe('parseS3Drop', () => {
  test('a .txt or .md object is its text, with the key as id and as metadata', () => {
    expect(parseS3Drop({ key: 'acme/handbook/2026/intro.md', body: Buffer.from('# Intro\n\nHello.') })).toEqual({
      tenant: 'acme',
      collection: 'handbook',
      document: {
        id: 'acme/handbook/2026/intro.md',
        text: '# Intro\n\nHello.',
        metadata: { s3_key: 'acme/handbook/2026/intro.md' },
      },
    });
    expect(parseS3Drop({ key: 'acme/handbook/a.TXT', body: 'plain' }).document.text).toBe('plain');
  });

  test('a .json object is a document; its id defaults to the key', () => {
    const body = JSON.stringify({ id: 'faq-1', text: 'Question and answer', metadata: { lang: 'en' } });
    expect(parseS3Drop({ key: 'acme/faq/one.json', body })).toEqual({
      tenant: 'acme',
      collection: 'faq',
      document: { id: 'faq-1', text: 'Question and answer', metadata: { lang: 'en' } },
    });
    expect(parseS3Drop({ key: 'acme/faq/two.json', body: '{"text":"no id"}' }).document).toEqual({
      id: 'acme/faq/two.json',
      text: 'no id',
      metadata: undefined,
    });
  });

  test.each([
    ['acme/handbook', 'invalid_s3_key'],
    ['acme/handbook/', 'invalid_s3_key'],
    ['/handbook/a.txt', 'invalid_s3_key'],
    ['acme//a.txt', 'invalid_s3_key'],
    ['..//handbook/a.txt', 'invalid_s3_key'],
    ['acme/../a.txt', 'invalid_s3_key'],
    ['ac me/handbook/a.txt', 'invalid_s3_key'],
    ['acme/handbook/report.pdf', 'unsupported_s3_object'],
  ])('refuses the key %s (%s)', (key, code) => {
    expect(() => parseS3Drop({ key, body: 'x' })).toThrow(
      expect.objectContaining({ status: 400, options: expect.objectContaining({ code }) }),
    );
  });

  test.each([
    ['not json', /not valid JSON/],
    ['{"text": 3}', /'text'/],
    ['{"text": "a", "extra": 1}', /extra/i],
    ['[]', /\(root\)/],
  ])('refuses the JSON body %s', (body, message) => {
    expect(() => parseS3Drop({ key: 'acme/faq/x.json', body })).toThrow(message);
  });
});

describe('ingestS3Object', () => {
  let db: Awaited<ReturnType<typeof startEmbeddingsDatabase>>;
  beforeAll(async () => {
    db = await startEmbeddingsDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });

  test('ingests as the tenant of the key, into that tenant’s collection only; again is unchanged', async () => {
    const { service } = testService(db.pool);
    await service.createCollection({ tenant: 'acme' }, { name: 'handbook', model: MODEL });
    await service.createCollection({ tenant: 'other' }, { name: 'handbook', model: MODEL });
    const object = { key: 'acme/handbook/leave.txt', body: Buffer.from('Holidays are booked two weeks ahead.') };
    expect(await service.ingestS3Object(object)).toEqual({
      tenant: 'acme',
      collection: 'handbook',
      documents: 1,
      chunksWritten: 1,
      unchanged: 0,
    });
    expect(await service.ingestS3Object(object)).toMatchObject({ unchanged: 1, chunksWritten: 0 });
    const json = {
      key: 'acme/handbook/x.json',
      body: JSON.stringify({ text: 'Expenses are paid monthly.', metadata: { team: 'hr' } }),
    };
    expect(await service.ingestS3Object(json)).toMatchObject({ chunksWritten: 1 });
    const hits = await service.search({ tenant: 'acme' }, 'handbook', { query: 'holidays booked', topK: 5 });
    expect(hits.results.map((r) => [r.documentId, r.metadata])).toEqual([
      ['acme/handbook/leave.txt', { s3_key: 'acme/handbook/leave.txt' }],
      ['acme/handbook/x.json', { team: 'hr' }],
    ]);
    expect((await service.search({ tenant: 'other' }, 'handbook', { query: 'holidays booked' })).results).toEqual([]);
    await expect(service.ingestS3Object({ key: 'acme/nope/a.txt', body: 'x' })).rejects.toMatchObject({ status: 404 });
  });
});
