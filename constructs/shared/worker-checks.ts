import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { LlmGateway } from '../llm-gateway/llm-gateway';
import { publicSubnetsIn } from './public-subnets';

/** Lambda's limit. */
export const MAX_FUNCTION_TIMEOUT = Duration.minutes(15);

export interface QueueWorkerSettings {
  readonly gateway: LlmGateway;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly workerTimeout: Duration;
  readonly maxReceiveCount: number;
  readonly maxConcurrency: number;
  /** The prop that sets the memory, and its value. */
  readonly memory: { readonly prop: string; readonly mib: number };
}

/**
 * What a service whose queue worker runs the gateway in-process must get right, in words a reader
 * can act on: a worker that outlives the gateway's slowest call, the queue's and the event
 * source's limits, and private subnets. Empty when all is well.
 */
export function queueWorkerProblems(settings: QueueWorkerSettings, cutMessage: string): string[] {
  const problems: string[] = [];
  const seconds = settings.workerTimeout.toSeconds();
  if (seconds < 1 || seconds > MAX_FUNCTION_TIMEOUT.toSeconds())
    problems.push(`workerTimeout is ${seconds} s; give 1 s to 15 minutes (Lambda's limit)`);
  for (const [id, deployment] of Object.entries(settings.gateway.config.deployments)) {
    if (deployment.timeouts.totalMs >= seconds * 1000) {
      problems.push(
        `deployments.${id}.timeouts.totalMs is ${deployment.timeouts.totalMs} ms but the worker times out after ${seconds} s: ` +
          `raise workerTimeout, or ${cutMessage}`,
      );
    }
  }
  const { maxReceiveCount, maxConcurrency, memory } = settings;
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000)
    problems.push(`maxReceiveCount is ${maxReceiveCount}; give a whole number from 1 to 1000`);
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 2 || maxConcurrency > 1000)
    problems.push(`maxConcurrency is ${maxConcurrency}; give 2 to 1000 (the event source's limits)`);
  if (!Number.isInteger(memory.mib) || memory.mib < 128 || memory.mib > 10240)
    problems.push(`${memory.prop} is ${memory.mib}; give a whole number of MiB from 128 to 10240`);
  if (
    publicSubnetsIn(settings.vpc, settings.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).length > 0
  )
    problems.push('vpcSubnets selects public subnets; the functions must run in private subnets');
  return problems;
}
