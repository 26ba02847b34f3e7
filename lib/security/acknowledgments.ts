import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The cdk-nag findings that follow from this repository's composition (an environment's choices),
 * not from how a construct makes a resource: those the constructs acknowledge themselves, where they
 * make it (`constructs/shared/nag-acknowledgments.ts`). Each names the rule, the constructs it
 * applies to (by path below the stack) and why a security reviewer can accept it. Fix before you
 * acknowledge: an entry here is for findings that are wrong for this design, not for findings that
 * are inconvenient.
 */
export interface Acknowledgment {
  /** Rule id, with the finding in brackets where a rule reports several (`AwsSolutions-IAM5[Resource::*]`). */
  readonly rule: string;
  /** Matches the construct path below the stack, e.g. `ResponseCache/Resource`. */
  readonly path: RegExp;
  readonly reason: string;
}

export const PLATFORM_ACKNOWLEDGMENTS: readonly Acknowledgment[] = [
  {
    rule: 'AwsSolutions-AEC4',
    path: /^ResponseCache\/Resource$/,
    reason:
      'Only environments with highAvailability false (dev, staging) run a single cache node to save cost; ' +
      'highly available environments get Multi-AZ with automatic failover (the config schema requires a ' +
      'replica there). A lost dev node costs cached answers and counters, which the gateway rebuilds.',
  },
  ...['AwsSolutions-RDS10', 'NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled'].map((rule) => ({
    rule,
    path: /^VectorStore\/Cluster\/Resource$/,
    reason:
      'Deletion protection is on wherever highAvailability is true (production). Environments without it ' +
      '(dev, staging) are meant to be torn down and rebuilt; their semantic-cache data is disposable.',
  })),
];

/** Applies {@link PLATFORM_ACKNOWLEDGMENTS} to the matching constructs of a stack. */
export function acknowledgePlatformFindings(stack: IConstruct): void {
  const prefix = stack.node.path.length + 1;
  for (const construct of stack.node.findAll()) {
    const path = construct.node.path.slice(prefix);
    for (const ack of PLATFORM_ACKNOWLEDGMENTS) {
      if (ack.path.test(path)) {
        Validations.of(construct).acknowledge({ id: ack.rule, reason: ack.reason });
      }
    }
  }
}
