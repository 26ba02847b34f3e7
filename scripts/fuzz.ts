/**
 * The long fuzz run: generated requests through the whole gateway (test/fuzz), after the seed corpus.
 *
 *   npm run fuzz [-- --runs 100000] [--seed N]
 *
 * Prints how many requests were generated, by kind and by the status they got. On a failure it
 * prints the rule broken, the seed that reproduces it, and the input as a corpus line: once the cause
 * is fixed, add that line to test/fuzz/corpus.jsonl so that CI replays it for good.
 */
import { corpusLine, loadCorpus, replayCorpus, runFuzz } from '../test/fuzz/run';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : undefined);
const runs = option('--runs') ?? 100_000;
const seed = option('--seed');

async function main(): Promise<void> {
  const corpus = loadCorpus();
  const broken = await replayCorpus(corpus);
  console.log(`seed corpus: ${corpus.length} entries, ${broken.length} broken`);
  for (const b of broken) console.log(`  ${b.name}: ${b.problem}`);

  const started = performance.now();
  const report = await runFuzz({ runs, seed });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `\ngenerated: ${report.runs.toLocaleString('en-US')} requests in ${seconds.toFixed(1)} s, ${report.unhandledRejections} unhandled rejections`,
  );
  const table = (title: string, counts: Map<string | number, number>) => {
    console.log(`\n| ${title} | requests |\n| --- | ---: |`);
    for (const [key, n] of [...counts].sort((a, b) => b[1] - a[1]))
      console.log(`| ${key} | ${n.toLocaleString('en-US')} |`);
  };
  table('kind', report.byKind);
  table('status', report.byStatus);
  if (report.failure) {
    console.log(`\nFAILED: ${report.failure.message}`);
    console.log(`reproduce: npm run fuzz -- --seed ${report.failure.seed} (path ${report.failure.path})`);
    if (report.failure.counterexample)
      console.log(`corpus line:\n${corpusLine('found by npm run fuzz', report.failure.counterexample)}`);
  }
  if (report.failure || broken.length > 0 || report.unhandledRejections > 0) process.exit(1);
  console.log('\n0 crashes, 0 unhandled rejections, every refusal a JSON 4xx.');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
