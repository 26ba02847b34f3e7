import { Stage, type StageProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from './config/schema';
import { LlmPlatformStack } from './llm-platform-stack';
import { acknowledgePlatformFindings } from './security/acknowledgments';
import { acknowledgeEnvironmentControls } from './security/control-tower-acknowledgments';

export interface LlmPlatformStageProps extends StageProps {
  readonly config: EnvironmentConfig;
}

/** One environment, deployable on its own: `npx cdk deploy 'Prod/*'`. */
export class LlmPlatformStage extends Stage {
  readonly platform: LlmPlatformStack;

  constructor(scope: Construct, id: string, props: LlmPlatformStageProps) {
    super(scope, id, props);
    this.platform = new LlmPlatformStack(this, 'Platform', { config: props.config });
    acknowledgePlatformFindings(this.platform);
    acknowledgeEnvironmentControls(this.platform, props.config);
  }
}
