import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { GatewayConfig } from '../../lambda/contract/config/gateway-config';

/**
 * The IAM statements that let the gateway invoke exactly the Bedrock models its config names.
 *
 * - A foundation model id (`amazon.nova-lite-v1:0`) is allowed in its deployment's region only.
 * - A system-defined cross-Region inference profile (`us.anthropic.claude-...`) is allowed by its
 *   ARN in the deployment's region; Bedrock then runs the base model in one of the profile's
 *   destination Regions, so the base model's ARN is allowed in any Region, but only when the call
 *   comes through that very profile (`bedrock:InferenceProfileArn`), which is how AWS documents
 *   least privilege for profiles.
 * - A full ARN (an application inference profile, a provisioned model) is allowed as given.
 *
 * Converse needs `bedrock:InvokeModel`, ConverseStream `bedrock:InvokeModelWithResponseStream`.
 */
export const BEDROCK_INVOKE_ACTIONS = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];

/** Prefixes of system-defined cross-Region inference profile ids. */
const PROFILE_PREFIX = /^(us|us-gov|eu|apac|jp|au|ca|global)\.(.+)$/;

export function bedrockStatements(scope: IConstruct, config: GatewayConfig): iam.PolicyStatement[] {
  const partition = Aws.PARTITION;
  const account = Stack.of(scope).account;
  const direct = new Set<string>();
  const viaProfile = new Map<string, Set<string>>(); // profile ARN -> base model ARNs (any region)
  for (const deployment of Object.values(config.deployments)) {
    if (deployment.provider !== 'bedrock') continue;
    const { model, region } = deployment;
    if (model.startsWith('arn:')) {
      direct.add(model);
      continue;
    }
    const profile = PROFILE_PREFIX.exec(model);
    if (profile) {
      const profileArn = `arn:${partition}:bedrock:${region}:${account}:inference-profile/${model}`;
      direct.add(profileArn);
      const bases = viaProfile.get(profileArn) ?? new Set<string>();
      bases.add(`arn:${partition}:bedrock:*::foundation-model/${profile[2]}`);
      viaProfile.set(profileArn, bases);
    } else {
      direct.add(`arn:${partition}:bedrock:${region}::foundation-model/${model}`);
    }
  }
  const statements: iam.PolicyStatement[] = [];
  if (direct.size > 0) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'InvokeConfiguredBedrockModels',
        actions: BEDROCK_INVOKE_ACTIONS,
        resources: [...direct].sort(),
      }),
    );
  }
  for (const [profileArn, bases] of [...viaProfile].sort(([a], [b]) => a.localeCompare(b))) {
    statements.push(
      new iam.PolicyStatement({
        actions: BEDROCK_INVOKE_ACTIONS,
        resources: [...bases].sort(),
        conditions: { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } },
      }),
    );
  }
  return statements;
}
