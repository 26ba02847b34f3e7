import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { HashingEmbedder } from '../../lambda/core/policy/cache/embedder';
import { evaluate } from '../../scripts/semantic-cache-eval';
import { startFakeProvider } from '../support/fake-providers/fake-provider';

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

test('cache:eval --config --model embeds every pair through that model of the gateway config', async () => {
  // A loopback model that finds every text the same: 100% hits and 100% false hits, which the
  // built-in embedder (20% and 3.3%) cannot give, so the figures prove whose vectors were compared.
  const provider = await startFakeProvider({ format: 'openai', embed: () => [0.6, 0.8] });
  const dir = mkdtempSync(path.join(tmpdir(), 'cache-eval-'));
  const config = path.join(dir, 'gateway.json');
  writeFileSync(
    config,
    JSON.stringify({
      models: { embed: { kind: 'embedding', deployments: ['e'], dimensions: 2 } },
      deployments: {
        e: {
          provider: 'openai',
          model: 'embed-1',
          baseUrl: provider.url,
          credential: 'o',
          pricing: { input: 1, output: 0 },
        },
      },
      credentialEnv: { o: 'CACHE_EVAL_KEY' },
    }),
  );
  try {
    const { stdout } = await run(
      process.execPath,
      [require.resolve('tsx/cli'), 'scripts/semantic-cache-eval.ts', '--config', config, '--model', 'embed'],
      { cwd: path.join(__dirname, '../..'), env: { ...process.env, CACHE_EVAL_KEY: 'sk-loopback' } },
    );
    expect(stdout).toMatch(/: 30 paraphrases, 30 near-misses, embedding model "embed" of .*gateway\.json$/m);
    expect(stdout).toMatch(/^at threshold 0\.9: hit rate 100\.0%, false-hit rate 100\.0%$/m);
    const calls = provider.requests.filter((r) => r.path.endsWith('/embeddings'));
    expect(calls).toHaveLength(60);
    expect(calls[0].headers.authorization).toBe('Bearer sk-loopback');
  } finally {
    await provider.close();
  }
});
