import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_MISROUTE_PENALTY } from '../../lambda/contract/config/routing';
import { PLATFORM_GATEWAY_MODELS } from '../../lib/config/gateway-models';

const run = promisify(execFile);
const root = path.join(__dirname, '../..');
const evaluate = (...args: string[]) =>
  run(process.execPath, [require.resolve('tsx/cli'), 'scripts/router-eval.ts', ...args], { cwd: root });

test('router:eval prints accuracy, hard-line accuracy, the share sent to small, expected cost, a confusion matrix and prices', async () => {
  const { stdout } = await evaluate('--data', 'data/router/eval.jsonl');
  expect(stdout).toMatch(/^router classifier on data\/router\/eval\.jsonl: 48 examples$/m);
  expect(stdout).toMatch(/^accuracy: \d+\.\d% \(\d+\/48\)$/m);
  expect(stdout).toMatch(/^accuracy on hard lines: no line is marked "hard": true$/m);
  expect(stdout).toMatch(/^reasoning and code sent to small: \d+\.\d% \(\d+\/24\)$/m);
  expect(stdout).toMatch(/^abstained \(default tier\): \d+\.\d% \(\d+\/48\)$/m);
  expect(stdout).toMatch(
    new RegExp(
      `^expected cost: \\d+\\.\\d{3} per prompt \\(misroute penalty ${DEFAULT_MISROUTE_PENALTY}; right tier 0, other wrong tier 1\\)$`,
      'm',
    ),
  );
  expect(stdout).toMatch(/^confusion matrix \(rows: labelled, columns: predicted\)$/m);
  expect(stdout).toMatch(/^\s+code\s+local\s+reasoning\s+small$/m);
  // The platform config's most expensive tier model is claude-sonnet, behind `code`.
  expect(stdout).toMatch(
    /^cost of the chosen tiers: \$\d+\.\d+ vs always "code": \$\d+\.\d+ \(\d+\.\d%, saving \d+\.\d%\)$/m,
  );
});

test('router:eval reads "hard" and ignores other fields; prices and penalty come from a --config file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'router-eval-'));
  const data = path.join(dir, 'data.jsonl');
  writeFileSync(
    data,
    [
      { text: 'Write a Python function that reverses a linked list.', tier: 'code', id: 1 },
      { text: 'How do I reset my password?', tier: 'small', hard: false, note: 'x' },
      { text: 'is it worth refinancing at 6.1% if I move in 3 years?', tier: 'reasoning', hard: true },
    ]
      .map((line) => JSON.stringify(line))
      .join('\n'),
  );
  // Every tier on one free model, but reasoning's own: always "reasoning" is then the dearest.
  const config = structuredClone(PLATFORM_GATEWAY_MODELS);
  config.routing = { ...config.routing!, classifier: { misroutePenalty: 7 } };
  config.deployments['openai-4o'].pricing = { input: 90_000_000, output: 90_000_000 };
  writeFileSync(path.join(dir, 'gateway.json'), JSON.stringify(config));
  const { stdout } = await evaluate('--data', data, '--config', path.join(dir, 'gateway.json'));
  expect(stdout).toMatch(/^router classifier on .+: 3 examples$/m);
  expect(stdout).toMatch(/^accuracy on hard lines: \d+\.\d% \(\d\/1\)$/m);
  expect(stdout).toMatch(/misroute penalty 7;/);
  expect(stdout).toMatch(/vs always "reasoning"/);
});

test('router:eval without --data says how to call it', async () => {
  await expect(evaluate()).rejects.toMatchObject({
    code: 2,
    stderr: expect.stringContaining('usage: npm run router:eval -- --data FILE.jsonl'),
  });
});
