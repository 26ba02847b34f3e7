/**
 * How well the semantic cache tells a paraphrase (should hit) from a near-miss (must not), with the
 * embedder the gateway uses, over a labelled set of pairs.
 *
 *   npm run cache:eval [-- --data data/semantic-cache/pairs.jsonl --threshold 0.9]
 *   npm run cache:eval -- --config gateway-config.json --model embed   # a configured embedding model
 *
 * Hit rate: share of paraphrase pairs at or above the threshold. False-hit rate: share of near-miss
 * pairs at or above it (each one a wrong answer served). A sweep shows the trade-off. With
 * `--config` and `--model`, the texts are embedded by that embedding model of the gateway config,
 * through a gateway built from it (its deployments, credentials from `credentialEnv`, failover),
 * as the semantic cache embeds them; otherwise by the built-in hashing embedder.
 */
import { readFileSync } from 'node:fs';
import { HashingEmbedder, cosine, type Embedder } from '../lambda/core/policy/cache/embedder';
import { GatewayEmbedder } from '../lambda/core/embeddings/gateway-embedder';
import { loadGatewayConfigFile } from '../lambda/core/config/load';
import { createGateway } from '../lambda/runtime/create-gateway';

interface Pair {
  stored: string;
  asked: string;
  same: boolean;
}

export async function evaluate(pairs: readonly Pair[], embedder: Embedder, thresholds: readonly number[]) {
  const similarities = await Promise.all(
    pairs.map(async (pair) => {
      const [a, b] = await embedder.embed([pair.stored, pair.asked]);
      return { same: pair.same, similarity: cosine(a, b) };
    }),
  );
  const paraphrases = similarities.filter((s) => s.same);
  const nearMisses = similarities.filter((s) => !s.same);
  return thresholds.map((threshold) => ({
    threshold,
    hitRate: paraphrases.filter((s) => s.similarity >= threshold).length / paraphrases.length,
    falseHitRate: nearMisses.filter((s) => s.similarity >= threshold).length / nearMisses.length,
  }));
}

/** The embedding model `model` of the gateway config in `file`, called as the semantic cache calls it. */
function configuredEmbedder(file: string, model: string): Embedder {
  // Only the model's path is needed: no cache, no limits store, and no trace lines on stdout.
  const config = { ...loadGatewayConfigFile(file), semanticCache: undefined };
  const gateway = createGateway({ config, traces: { record: () => undefined } });
  const embedder = new GatewayEmbedder(gateway);
  const identity = { tenant: 'cache-eval' };
  gateway.authorizeModel(identity, model, 'embedding'); // an unknown or chat model fails here, named
  return { dimensions: 0, embed: (texts) => embedder.embed(identity, model, texts) };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
  const file = option('--data', 'data/semantic-cache/pairs.jsonl');
  const chosen = Number(option('--threshold', '0.9'));
  const pairs = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Pair);
  const sweep = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
  const configFile = option('--config', '');
  const model = option('--model', '');
  if (Boolean(configFile) !== Boolean(model)) throw new Error('give --config and --model together (or neither)');
  const embedder = configFile ? configuredEmbedder(configFile, model) : new HashingEmbedder();
  const rows = await evaluate(pairs, embedder, [...new Set([...sweep, chosen])].sort());
  const at = rows.find((r) => r.threshold === chosen)!;
  const by = configFile ? `embedding model "${model}" of ${configFile}` : 'built-in hashing embedder';
  console.log(
    `semantic cache on ${file}: ${pairs.filter((p) => p.same).length} paraphrases, ${pairs.filter((p) => !p.same).length} near-misses, ${by}`,
  );
  console.log(
    `at threshold ${chosen}: hit rate ${(100 * at.hitRate).toFixed(1)}%, false-hit rate ${(100 * at.falseHitRate).toFixed(1)}%\n`,
  );
  console.log('| threshold | hit rate | false-hit rate |');
  console.log('| ---: | ---: | ---: |');
  for (const r of rows)
    console.log(`| ${r.threshold} | ${(100 * r.hitRate).toFixed(1)}% | ${(100 * r.falseHitRate).toFixed(1)}% |`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
