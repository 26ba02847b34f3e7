import fc from 'fast-check';
import { anthropicProvider } from '../../lambda/providers/anthropic';
import { fromConverseResponse } from '../../lambda/providers/bedrock/response';
import { ConverseStreamTranslator } from '../../lambda/providers/bedrock/stream';
import { openAiProvider } from '../../lambda/providers/openai';
import { loadCorpus, replayCorpus, runFuzz } from './run';

/**
 * The fuzzers at CI size (seconds): the committed seed corpus, then generated requests through the
 * whole gateway, then generated upstream answers through every provider's response and stream
 * transforms. `npm run fuzz` runs the same with 100,000 requests.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 2_000);

test('the seed corpus replays clean: every answer a 200 or a JSON 4xx', async () => {
  expect(loadCorpus().length).toBeGreaterThanOrEqual(60);
  expect(await replayCorpus()).toEqual([]);
});

test(`${RUNS} generated requests: no throw, no 5xx, every refusal a JSON 4xx, no unhandled rejection`, async () => {
  const report = await runFuzz({ runs: RUNS });
  if (report.failure) {
    throw new Error(
      `${report.failure.message}\nseed ${report.failure.seed}, path ${report.failure.path}; reproduce with npm run fuzz -- --seed ${report.failure.seed}`,
    );
  }
  expect(report.runs).toBe(RUNS);
  expect(report.unhandledRejections).toBe(0);
  // The generator reaches past validation: some calls succeed, and many kinds of refusal occur.
  expect(report.byStatus.get(200) ?? 0).toBeGreaterThan(RUNS / 20);
  expect([...report.byStatus.keys()].filter((s) => s >= 400).length).toBeGreaterThanOrEqual(3);
});

/** A response transform may refuse what it cannot read, but only by throwing an Error. */
function throwsOnlyErrors(translate: () => unknown): boolean {
  try {
    JSON.stringify(translate());
    return true;
  } catch (error) {
    return error instanceof Error;
  }
}

const request = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };
const answers = fc.oneof(
  fc.jsonValue({ maxDepth: 5 }),
  fc.record({ choices: fc.array(fc.jsonValue({ maxDepth: 3 })), usage: fc.jsonValue(), content: fc.jsonValue() }),
  fc.record({
    content: fc.array(
      fc.record({ type: fc.constantFrom('text', 'tool_use', 'thinking'), text: fc.jsonValue(), input: fc.jsonValue() }),
    ),
  }),
);

test('provider answers of any shape: the response transforms return or throw an Error, nothing else', () => {
  fc.assert(
    fc.property(answers, (body) =>
      [
        () => openAiProvider.fromChatResponse(body, request),
        () => anthropicProvider.fromChatResponse(body, request),
        () => fromConverseResponse(body as never, 'm', 'id'),
      ].every(throwsOnlyErrors),
    ),
    { numRuns: Math.max(200, RUNS / 4) },
  );
});

test('stream events of any shape: the stream translators return or throw an Error, nothing else', () => {
  const event = fc.record({
    event: fc.option(fc.constantFrom('message_start', 'content_block_delta', 'message_delta', 'error', 'ping'), {
      nil: undefined,
    }),
    data: fc.oneof(fc.json(), fc.string(), fc.constant('[DONE]')),
  });
  fc.assert(
    fc.property(
      fc.array(event, { maxLength: 8 }),
      fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 8 }),
      (events, converse) => {
        const openai = openAiProvider.streamTranslator(request);
        const anthropic = anthropicProvider.streamTranslator(request);
        const bedrock = new ConverseStreamTranslator('id', 'm');
        return (
          events.every(
            (e) => throwsOnlyErrors(() => openai.translate(e)) && throwsOnlyErrors(() => anthropic.translate(e)),
          ) && converse.every((e) => throwsOnlyErrors(() => bedrock.translate(e as never)))
        );
      },
    ),
    { numRuns: Math.max(200, RUNS / 4) },
  );
});
