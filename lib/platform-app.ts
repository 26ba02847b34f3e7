import type { App } from 'aws-cdk-lib';
import { parseEnvironments, stageIdOf } from './config/load';
import type { EnvironmentConfigInput } from './config/schema';
import { LlmPlatformStage } from './llm-platform-stage';

export interface PlatformAppOptions {
  /** Account used where an environment entry names none (the CLI's CDK_DEFAULT_ACCOUNT). */
  readonly defaultAccount?: string;
}

/**
 * Validates every environment entry, then adds one Stage per environment to the app.
 * Nothing is created unless every entry is valid.
 */
export function addPlatformStages(
  app: App,
  environments: Readonly<Record<string, EnvironmentConfigInput>>,
  options: PlatformAppOptions = {},
): LlmPlatformStage[] {
  const configs = parseEnvironments(environments);
  return configs.map(
    (config) =>
      new LlmPlatformStage(app, stageIdOf(config), {
        config,
        env: { account: config.account ?? options.defaultAccount, region: config.region },
      }),
  );
}
