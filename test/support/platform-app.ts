import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENVIRONMENTS } from '../../lib/config/environments';
import type { EnvironmentConfigInput } from '../../lib/config/schema';
import type { LlmPlatformStage } from '../../lib/llm-platform-stage';
import { addPlatformStages } from '../../lib/platform-app';

/** The feature flags of cdk.json, so that tests synthesize exactly what `npx cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'));
  return cdkJson.context;
}

/** A test App with the project's feature flags, writing its assembly to `outdir` (default: a temporary directory). */
export function testApp(outdir?: string): App {
  return new App({ context: cdkJsonContext(), outdir });
}

/** Builds the whole app as `bin/app.ts` does, with no account (as offline synth has none). */
export function buildPlatform(
  environments: Readonly<Record<string, EnvironmentConfigInput>> = ENVIRONMENTS,
  outdir?: string,
): {
  app: App;
  stages: LlmPlatformStage[];
} {
  const app = testApp(outdir);
  const stages = addPlatformStages(app, environments);
  return { app, stages };
}

/** The synthesized template of each stage's platform stack, by stage id. */
export function stageTemplates(stages: LlmPlatformStage[]): Map<string, Template> {
  return new Map(stages.map((stage) => [stage.stageName, Template.fromStack(stage.platform)]));
}
