import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Every cdk-nag finding the platform accepts, in one reviewed place. Each names the rule, the
 * constructs it applies to (by path below the stack) and why a security reviewer can accept it.
 * Fix before you acknowledge: an entry here is for findings that are wrong for this design, not
 * for findings that are inconvenient.
 */
export interface Acknowledgment {
  /** Rule id, with the finding in brackets where a rule reports several (`AwsSolutions-IAM5[Resource::*]`). */
  readonly rule: string;
  /** Matches the construct path below the stack, e.g. `Network/Vpc/PublicSubnet1`. */
  readonly path: RegExp;
  readonly reason: string;
}

export const PLATFORM_ACKNOWLEDGMENTS: readonly Acknowledgment[] = [
  {
    rule: 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
    path: /^Network\/Vpc\/PublicSubnet\d+\/DefaultRoute$/,
    reason:
      'Public subnets hold only the NAT gateways, which need a default route to the internet gateway to ' +
      'give private subnets egress to model providers. No instance in them has a public address ' +
      '(MapPublicIpOnLaunch is false); compute and data live in private and isolated subnets.',
  },
  ...['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy'].map((rule) => ({
    rule,
    path: /^(Observability\/Alarms|CostGuardrails\/Notifications|CostGuardrails\/KillSwitch|CostGuardrails\/KillSwitch\/Topic)\/DeadLetters$/,
    reason:
      'This queue is itself a dead-letter queue: SNS moves alarm and budget notifications it could not ' +
      'deliver to a subscriber here, or Lambda the kill-switch invocations that failed (an SNS redrive policy ' +
      'or a function dead-letter config, which the rules do not recognise as making it a dead-letter queue). ' +
      'A dead-letter queue of a dead-letter queue has nowhere useful to go; instead the queue is encrypted, ' +
      'keeps messages 14 days and has its own "not empty" alarm on the platform dashboards.',
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
