import { readFileSync } from 'node:fs';
import { gatewayConfigSchema, type GatewayConfig } from '../../contract/config/gateway-config';

export class GatewayConfigError extends Error {
  constructor(source: string, problems: string[]) {
    super(`Invalid gateway config (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'GatewayConfigError';
  }
}

/** Validates a config object; throws naming every bad field. */
export function parseGatewayConfig(input: unknown, source = 'inline'): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(input);
  if (!result.success) {
    throw new GatewayConfigError(
      source,
      result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return result.data;
}

export function loadGatewayConfigFile(path: string): GatewayConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new GatewayConfigError(path, [`cannot read a JSON config: ${(error as Error).message}`]);
  }
  return parseGatewayConfig(json, path);
}
