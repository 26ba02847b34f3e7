/**
 * Evaluates the prompt router on labelled JSONL, deciding as the gateway does (the routing section
 * of a gateway config: rules, the classifier with its cost matrix and abstain rule, the default
 * tier): accuracy, accuracy on lines marked "hard", the share of reasoning and code prompts sent to
 * small, the expected misrouting cost, a confusion matrix, and what the chosen tiers cost against
 * sending everything to the most expensive tier.
 *
 *   npm run router:eval -- --data FILE.jsonl [--model data/router/model.json] [--config gateway.json]
 *                          [--penalty N] [--output 400]
 *
 * FILE.jsonl: one {"text": ..., "tier": ...} per line; "hard": true marks a hard line; other fields
 * are ignored. Without --config, the platform's own gateway config (lib/config/gateway-models.ts).
 * Prices: each example is priced as its prompt (characters / 4 tokens) plus --output tokens of
 * answer, at the per-million prices of the first deployment of each tier's model in the config.
 */
import { loadGatewayConfigFile, parseGatewayConfig } from '../lambda/core/config/load';
import { loadClassifierModel } from '../lambda/core/policy/router/classifier';
import { readLabelledJsonl } from '../lambda/core/policy/router/dataset';
import { PLATFORM_GATEWAY_MODELS } from '../lib/config/gateway-models';
import { evaluateRouter } from './router/evaluate';

const args = process.argv.slice(2);
const option = (name: string, fallback?: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const data = option('--data');
if (!data) {
  console.error(
    'usage: npm run router:eval -- --data FILE.jsonl [--model data/router/model.json] [--config gateway.json] [--penalty N] [--output 400]',
  );
  process.exit(2);
}
const configFile = option('--config');
const config = configFile
  ? loadGatewayConfigFile(configFile)
  : parseGatewayConfig(PLATFORM_GATEWAY_MODELS, 'lib/config/gateway-models.ts');
const penalty = option('--penalty');
if (penalty !== undefined && config.routing?.classifier)
  config.routing.classifier = { ...config.routing.classifier, misroutePenalty: Number(penalty) };
const model = loadClassifierModel(option('--model', 'data/router/model.json')!);
const examples = readLabelledJsonl(data);
const result = evaluateRouter(examples, model, config, Number(option('--output', '400')));

const pct = (part: number, whole: number) => `${((100 * part) / Math.max(1, whole)).toFixed(1)}%`;
const { tiers, matrix, hard, needsLarge, dollars } = result;
console.log(`router classifier on ${data}: ${result.examples} examples`);
console.log(`accuracy: ${pct(result.correct, result.examples)} (${result.correct}/${result.examples})`);
console.log(
  hard.examples > 0
    ? `accuracy on hard lines: ${pct(hard.correct, hard.examples)} (${hard.correct}/${hard.examples})`
    : 'accuracy on hard lines: no line is marked "hard": true',
);
console.log(
  `reasoning and code sent to small: ${pct(needsLarge.toSmall, needsLarge.examples)} (${needsLarge.toSmall}/${needsLarge.examples})`,
);
console.log(
  `abstained (default tier): ${pct(result.abstained, result.examples)} (${result.abstained}/${result.examples})`,
);
console.log(
  `expected cost: ${result.expectedCost.toFixed(3)} per prompt (misroute penalty ${result.misroutePenalty}; right tier 0, other wrong tier 1)\n`,
);
const width = Math.max(10, ...tiers.map((t) => t.length)) + 2;
console.log('confusion matrix (rows: labelled, columns: predicted)');
console.log(''.padEnd(width) + tiers.map((t) => t.padStart(width)).join(''));
tiers.forEach((tier, i) => console.log(tier.padEnd(width) + matrix[i].map((n) => String(n).padStart(width)).join('')));
console.log(
  `\ncost of the chosen tiers: $${dollars.routed.toFixed(6)} vs always "${dollars.baselineTier}": $${dollars.baseline.toFixed(6)} ` +
    `(${((100 * dollars.routed) / dollars.baseline).toFixed(1)}%, saving ${(100 - (100 * dollars.routed) / dollars.baseline).toFixed(1)}%)`,
);
console.log(`prices: ${configFile ?? 'lib/config/gateway-models.ts'} (first deployment of each tier's model)`);
