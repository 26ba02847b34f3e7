import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { acknowledgeRules } from './nag-acknowledgments';

/**
 * The AWS Control Tower proactive controls a construct of this package may acknowledge, by control
 * id, with the name of the cfn-guard rule that implements each in `@cdklabs/cdk-validator-cfnguard`
 * (the name its findings carry). Only controls whose finding is inherent to a design are listed.
 */
export const CONTROL_TOWER_RULES = {
  'CT.CLOUDWATCH.PR.3': 'cloudwatch_log_group_encrypted_check',
  'CT.LAMBDA.PR.3': 'lambda_inside_vpc_check',
  'CT.RDS.PR.3': 'rds_cluster_deletion_protection_enabled_check',
  'CT.S3.PR.2': 's3_bucket_logging_enabled_check',
  'CT.S3.PR.4': 's3_event_notifications_enabled_check',
  'CT.S3.PR.9': 's3_bucket_object_lock_enabled_check',
  'CT.S3.PR.10': 's3_bucket_default_encryption_kms_check',
  'CT.SQS.PR.1': 'sqs_dlq_check',
} as const;

export type ControlTowerControl = keyof typeof CONTROL_TOWER_RULES;

/**
 * The CDK's policy validation names a plugin's rules `<plugin name>::<rule>`; the Control Tower
 * plugin is named this. An acknowledgment under that id is honoured by the CDK's own validation
 * (`Validations.of(app).addPlugins(new CfnGuardValidator())` in any app) and by this project's gate.
 */
export const CONTROL_TOWER_PLUGIN = 'cdk-validator-cfnguard';

/** The validation rule id of a Control Tower rule, as acknowledgments record it. */
export function controlTowerRuleId(rule: string): string {
  return `${CONTROL_TOWER_PLUGIN}::${rule}`;
}

/**
 * Acknowledges `control` on `scope` and everything below it, with the reason a reviewer reads.
 * For findings that are inherent to the design, never for ones that are inconvenient to fix.
 */
export function acknowledgeControl(scope: IConstruct, control: ControlTowerControl, reason: string): void {
  Validations.of(scope).acknowledge({
    id: controlTowerRuleId(CONTROL_TOWER_RULES[control]),
    reason: `${control}: ${reason}`,
  });
}

/**
 * Acknowledges CT.SQS.PR.1 (and cdk-nag's AwsSolutions-SQS3 and Serverless-SQSRedrivePolicy, the
 * same finding) on a queue that is itself a dead-letter queue; `source` says what moves messages into it.
 */
export function acknowledgeDeadLetterQueue(queue: IConstruct, source: string, movedBy: 'sqs' | 'lambda' | 'sns'): void {
  acknowledgeRules(
    queue,
    // AwsSolutions-SQS3 recognises a queue that a queue's redrive policy or a function names as its
    // dead-letter queue, not one that an SNS subscription names.
    movedBy === 'sns' ? ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy'] : ['Serverless-SQSRedrivePolicy'],
    `This queue is itself a dead-letter queue: ${source} (an SNS redrive policy, a function dead-letter ` +
      "config or the source queue's redrive policy, which the rules do not recognise on this side). A " +
      'dead-letter queue of a dead-letter queue has nowhere useful to go; instead the queue is encrypted, ' +
      'keeps messages 14 days and its depth is there for a "not empty" alarm.',
  );
  acknowledgeControl(
    queue,
    'CT.SQS.PR.1',
    `This queue is itself a dead-letter queue: ${source}. A dead-letter queue of its own would hold ` +
      'what nothing reads. The rule would also take a RedriveAllowPolicy, but naming the source queue ' +
      "there makes the two queues name each other (a dependency cycle), and 'allowAll' would only let " +
      'every queue of the account use this one. The queue is encrypted, keeps messages 14 days, and its ' +
      'depth is there for a "not empty" alarm (the platform stack sets one on its dashboards).',
  );
}

/**
 * Acknowledges CT.LAMBDA.PR.3 on a function the CDK adds once per stack (its id starts with
 * `idPrefix`) to do `purpose` while CloudFormation deploys, and that it gives no way to put in a VPC.
 */
export function acknowledgeStackHelperFunction(scope: IConstruct, idPrefix: string, purpose: string): void {
  for (const child of Stack.of(scope).node.children) {
    if (!child.node.id.startsWith(idPrefix)) continue;
    acknowledgeControl(
      child,
      'CT.LAMBDA.PR.3',
      `An aws-cdk-lib helper function, added once per stack: ${purpose}. The module offers no way to ` +
        'place it in a VPC. CloudFormation alone invokes it, while it deploys; it calls AWS APIs only and ' +
        'reads no platform data.',
    );
  }
}
