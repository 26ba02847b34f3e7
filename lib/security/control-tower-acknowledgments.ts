import type * as rds from 'aws-cdk-lib/aws-rds';
import { VectorStore } from '../../constructs';
import { acknowledgeControl } from '../../constructs/shared/control-tower';
import type { EnvironmentConfig } from '../config/schema';
import type { LlmPlatformStack } from '../llm-platform-stack';

/**
 * The AWS Control Tower acknowledgments that follow from an environment's config rather than from
 * how a construct is made (those the constructs make where they create the resource). Each applies
 * only where the finding exists.
 */
export function acknowledgeEnvironmentControls(stack: LlmPlatformStack, config: EnvironmentConfig): void {
  const store = stack.vectorStore;
  const cluster = store instanceof VectorStore ? (store.cluster.node.defaultChild as rds.CfnDBCluster) : undefined;
  if (!config.highAvailability && cluster?.deletionProtection === false) {
    acknowledgeControl(
      cluster,
      'CT.RDS.PR.3',
      `Environment "${config.name}" is not highly available: it is meant to be torn down and built ` +
        'again (its stack deletes the cluster with it), and its database holds only the semantic cache and ' +
        'collections of a test environment. Highly available environments (production) get deletion ' +
        'protection and a retained cluster; the VectorStore refuses to turn protection off there.',
    );
  }
}
