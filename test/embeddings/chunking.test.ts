import { chunkText, validateChunking } from '../../lambda/core/embeddings/chunking';
import { GatewayError } from '../../lambda/core/http/errors';

const paragraphs = [
  'Foxes are small omnivorous mammals of the dog family.',
  'They live on every continent except Antarctica, in forests, deserts and cities.',
  'A fox hunts alone, mostly at dusk, and eats rodents, birds, fruit and insects.',
].join('\n\n');

describe('chunkText', () => {
  test('every chunk fits the size, and its offsets point at its text in the source', async () => {
    const chunks = await chunkText(paragraphs, { chunkSize: 60, chunkOverlap: 0 });
    expect(chunks.length).toBeGreaterThan(2);
    for (const [i, chunk] of chunks.entries()) {
      expect(chunk.index).toBe(i);
      expect(chunk.content.length).toBeLessThanOrEqual(60);
      expect(paragraphs.slice(chunk.start, chunk.end)).toBe(chunk.content);
    }
    // Paragraph boundaries are preferred: no chunk runs across a blank line.
    expect(chunks.some((c) => c.content.includes('\n\n'))).toBe(false);
    expect(chunks[0].content).toBe('Foxes are small omnivorous mammals of the dog family.');
  });

  test('consecutive chunks overlap by at most the overlap, and together cover every word', async () => {
    const text = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    const chunks = await chunkText(text, { chunkSize: 50, chunkOverlap: 20 });
    for (let i = 1; i < chunks.length; i++) {
      const overlap = chunks[i - 1].end - chunks[i].start;
      expect(overlap).toBeGreaterThan(0); // the overlap is used: the next chunk repeats the tail
      expect(overlap).toBeLessThanOrEqual(20);
      expect(chunks[i].start).toBeGreaterThan(chunks[i - 1].start);
    }
    const covered = new Set(chunks.flatMap((c) => c.content.split(' ')));
    for (let i = 0; i < 200; i++) expect(covered.has(`word${i}`)).toBe(true);
    expect(chunks[0].start).toBe(0);
    expect(chunks.at(-1)!.end).toBe(text.length);
  });

  test('without overlap, chunks do not share characters', async () => {
    const text = Array.from({ length: 100 }, (_, i) => `w${i}`).join(' ');
    const chunks = await chunkText(text, { chunkSize: 40, chunkOverlap: 0 });
    for (let i = 1; i < chunks.length; i++) expect(chunks[i].start).toBeGreaterThanOrEqual(chunks[i - 1].end);
  });

  test('repeated text keeps each chunk at its own position', async () => {
    const text = 'same line here\n'.repeat(6);
    const chunks = await chunkText(text, { chunkSize: 16, chunkOverlap: 0 });
    expect(chunks.map((c) => c.start)).toEqual([0, 15, 30, 45, 60, 75]);
  });

  test('a text shorter than the size is one chunk', async () => {
    expect(await chunkText('  short text ', { chunkSize: 100, chunkOverlap: 10 })).toEqual([
      { index: 0, content: 'short text', start: 2, end: 12 },
    ]);
  });
});

describe('validateChunking', () => {
  test.each([
    [{ chunkSize: 15, chunkOverlap: 0 }, 'chunk_size', /from 16 to 16000; got 15/],
    [{ chunkSize: 16_001, chunkOverlap: 0 }, 'chunk_size', /got 16001/],
    [{ chunkSize: 100.5, chunkOverlap: 0 }, 'chunk_size', /whole number/],
    [{ chunkSize: 100, chunkOverlap: 100 }, 'chunk_overlap', /from 0 to chunk_size - 1 \(99\); got 100/],
    [{ chunkSize: 100, chunkOverlap: -1 }, 'chunk_overlap', /got -1/],
  ])('refuses %j with a 400 naming %s', (settings, param, message) => {
    let thrown: unknown;
    try {
      validateChunking(settings);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect((thrown as GatewayError).status).toBe(400);
    expect((thrown as GatewayError).options.param).toBe(param);
    expect((thrown as GatewayError).message).toMatch(message);
  });

  test('accepts the bounds', () => {
    expect(validateChunking({ chunkSize: 16, chunkOverlap: 15 })).toEqual({ chunkSize: 16, chunkOverlap: 15 });
  });
});
