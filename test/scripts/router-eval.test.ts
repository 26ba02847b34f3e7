import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.join(__dirname, '../..');

test('router:eval prints accuracy, a confusion matrix and the cost against the largest tier', async () => {
  const { stdout } = await run(
    process.execPath,
    [require.resolve('tsx/cli'), 'scripts/router-eval.ts', '--data', 'data/router/eval.jsonl'],
    {
      cwd: root,
    },
  );
  expect(stdout).toMatch(/^router classifier on data\/router\/eval\.jsonl: 48 examples$/m);
  expect(stdout).toMatch(/^accuracy: \d+\.\d% \(\d+\/48\)$/m);
  expect(stdout).toMatch(/^confusion matrix \(rows: labelled, columns: predicted\)$/m);
  expect(stdout).toMatch(/^\s+code\s+local\s+reasoning\s+small$/m);
  expect(stdout).toMatch(
    /^cost of the chosen tiers: \$\d+\.\d+ vs always "reasoning": \$\d+\.\d+ \(\d+\.\d%, saving \d+\.\d%\)$/m,
  );
});

test('router:eval without --data says how to call it', async () => {
  await expect(
    run(process.execPath, [require.resolve('tsx/cli'), 'scripts/router-eval.ts'], { cwd: root }),
  ).rejects.toMatchObject({
    code: 2,
    stderr: expect.stringContaining('usage: npm run router:eval -- --data FILE.jsonl'),
  });
});
