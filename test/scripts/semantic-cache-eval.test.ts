import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { HashingEmbedder } from '../../lambda/core/policy/cache/embedder';
import { evaluate } from '../../scripts/semantic-cache-eval';

const run = promisify(execFile);

test('identical texts always hit, and unrelated ones never do', async () => {
  const [row] = await evaluate(
    [
      { stored: 'How do I reset my password?', asked: 'How do I reset my password?', same: true },
      { stored: 'How do I reset my password?', asked: 'Translate good morning into Spanish', same: false },
    ],
    new HashingEmbedder(),
    [0.99],
  );
  expect(row).toEqual({ threshold: 0.99, hitRate: 1, falseHitRate: 0 });
});

test('cache:eval prints hit and false-hit rates at the chosen threshold and a sweep', async () => {
  const { stdout } = await run(process.execPath, [require.resolve('tsx/cli'), 'scripts/semantic-cache-eval.ts'], {
    cwd: path.join(__dirname, '../..'),
  });
  expect(stdout).toMatch(/: 30 paraphrases, 30 near-misses, built-in hashing embedder$/m);
  expect(stdout).toMatch(/^at threshold 0\.9: hit rate \d+\.\d%, false-hit rate \d+\.\d%$/m);
  expect(stdout).toMatch(/^\| 0\.5 \| \d+\.\d% \| \d+\.\d% \|$/m);
});
