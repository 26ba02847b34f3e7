import { readFileSync } from 'node:fs';
import {
  gatewayConfigSchema,
  type GatewayConfig,
  type GatewayConfigInput,
} from '../../lambda/contract/config/gateway-config';
import { routerModelHeaderSchema, tiersMissingFrom } from '../../lambda/contract/config/router-model';

/**
 * The gateway's model configuration as the construct sees it: validated at synth with the same
 * schema the function validates at start, so a bad field fails `cdk synth`, not the first request.
 */
export class GatewayConfigProblem extends Error {
  constructor(where: string, problems: readonly string[]) {
    super(
      `${where}: the gateway config is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'Fix the `config` prop (its schema is lambda/contract/config/gateway-config.ts; the README section "The model configuration" shows a full example).',
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
  return result.data as GatewayConfig;
}

/**
 * Reads the router's trained model and checks that it fits the routing config's tiers. The function
 * validates the whole model when it starts; what can be told here without the router is.
 */
export function loadRouterModel(file: string, config: GatewayConfig, where: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${where}: cannot read the router model ${file}: ${(error as Error).message}`);
  }
  const header = routerModelHeaderSchema.safeParse(json);
  if (!header.success) {
    throw new Error(`${where}: ${file} is not a router model written by \`npm run router:train\`.`);
  }
  const missing = tiersMissingFrom(header.data.tiers, config.routing?.tiers ?? {});
  if (missing.length > 0) {
    throw new Error(
      `${where}: the router model ${file} does not fit the config: the classifier predicts tiers the routing config lacks: ${missing.join(', ')}; retrain it or add the tiers.`,
    );
  }
  return json;
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
