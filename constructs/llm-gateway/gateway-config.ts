import { readFileSync } from 'node:fs';
import { ModelCatalog } from '../../lambda/core/config/catalog';
import { gatewayConfigSchema, type GatewayConfig, type GatewayConfigInput } from '../../lambda/core/config/schema';
import { PromptRouter } from '../../lambda/core/policy/router/router';
import { validateClassifierModel, type ClassifierModel } from '../../lambda/core/policy/router/classifier';

/**
 * The gateway's model configuration as the construct sees it: validated at synth with the same
 * schema the function validates at start, so a bad field fails `cdk synth`, not the first request.
 */
export class GatewayConfigProblem extends Error {
  constructor(where: string, problems: readonly string[]) {
    super(
      `${where}: the gateway config is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'Fix the `config` prop (its schema is lambda/core/config/schema.ts; the README section "The model configuration" shows a full example).',
    );
    this.name = 'GatewayConfigProblem';
  }
}

export function validateGatewayConfig(input: GatewayConfigInput | unknown, where: string): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(input);
  if (!result.success) {
    throw new GatewayConfigProblem(
      where,
      result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`),
    );
  }
  const config = result.data;
  // What the function checks at start, checked here too: tiers name chat models that exist.
  const catalog = new ModelCatalog(config);
  const problems: string[] = [];
  for (const [tier, { model }] of Object.entries(config.routing?.tiers ?? {})) {
    try {
      catalog.resolve(model, 'chat');
    } catch {
      problems.push(`routing.tiers.${tier}.model: "${model}" is not a chat model of this config`);
    }
  }
  if (problems.length > 0) throw new GatewayConfigProblem(where, problems);
  return config;
}

/** Reads and checks the router's trained model against the routing config's tiers. */
export function loadRouterModel(file: string, config: GatewayConfig, where: string): ClassifierModel {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${where}: cannot read the router model ${file}: ${(error as Error).message}`);
  }
  let model: ClassifierModel;
  try {
    model = validateClassifierModel(json, file);
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  }
  try {
    new PromptRouter(config.routing!, model);
  } catch (error) {
    throw new Error(
      `${where}: the router model ${file} does not fit the config: ${(error as Error).message}; retrain it or add the tiers.`,
    );
  }
  return model;
}

/** Every credential name the config's deployments use, sorted. */
export function referencedCredentials(config: GatewayConfig): string[] {
  const names = new Set<string>();
  for (const deployment of Object.values(config.deployments)) {
    if (deployment.credential) names.add(deployment.credential);
  }
  return [...names].sort();
}

/** TCP ports the function must reach providers on, from their base URLs (443 always: AWS APIs). */
export function providerPorts(config: GatewayConfig): number[] {
  const ports = new Set<number>([443]);
  for (const deployment of Object.values(config.deployments)) {
    if (!deployment.baseUrl) continue;
    const url = new URL(deployment.baseUrl);
    ports.add(url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443);
  }
  return [...ports].sort((a, b) => a - b);
}
