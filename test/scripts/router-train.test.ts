import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.join(__dirname, '../..');

test('the shipped model is exactly what `npm run router:train` makes of the committed data (it cannot go stale)', async () => {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'router-train-')), 'model.json');
  const { stdout } = await run(
    process.execPath,
    [require.resolve('tsx/cli'), 'scripts/router-train.ts', '--out', out],
    {
      cwd: root,
    },
  );
  expect(stdout).toMatch(/^chosen: .+; temperature [\d.]+; abstain below [\d.]+;/m);
  expect(readFileSync(out, 'utf8')).toBe(readFileSync(path.join(root, 'data/router/model.json'), 'utf8'));
}, 120_000);
