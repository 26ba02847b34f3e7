import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The cdk-nag findings (AwsSolutions, NIST 800-53 rev 5, Serverless) a construct of this package
 * accepts for what it creates itself, attached where it creates it, so that a team running the rule
 * packs over a stack holding our constructs finds nothing of ours unacknowledged. Fix before you
 * acknowledge: an entry is for a finding that is wrong for this design, with the reason a security
 * reviewer reads. What follows from one composition (an environment's choices) stays with it (`lib/`).
 */
export interface NagAcknowledgment {
  /** Rule id, with the finding in brackets where a rule reports several (`AwsSolutions-IAM5[Resource::*]`). */
  readonly rule: string;
  readonly reason: string;
}

/**
 * Context key that makes the constructs record their acknowledgments without making them: the
 * tests set it to prove that each one is still needed (its finding appears without it).
 */
export const RECORD_ONLY_CONTEXT = '@llm-platform-blueprint:acknowledgments-record-only';

const made = new WeakMap<IConstruct, NagAcknowledgment[]>();

/** Acknowledges each rule on `target` and everything below it, with one reason. */
export function acknowledgeRules(target: IConstruct, rules: readonly string[], reason: string): void {
  const recordOnly = target.node.tryGetContext(RECORD_ONLY_CONTEXT) === true;
  for (const rule of rules) {
    made.set(target, [...(made.get(target) ?? []), { rule, reason }]);
    if (!recordOnly) Validations.of(target).acknowledge({ id: rule, reason });
  }
}

/** Every acknowledgment the constructs made on `root` or below it, with the path of the construct. */
export function nagAcknowledgmentsBelow(root: IConstruct): (NagAcknowledgment & { readonly path: string })[] {
  return root.node
    .findAll()
    .flatMap((construct) => (made.get(construct) ?? []).map((ack) => ({ ...ack, path: construct.node.path })));
}

/** `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/<name>]`: an AWS managed policy. */
export function managedPolicyFinding(name: string): string {
  return `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`;
}

/** `AwsSolutions-IAM5[Resource::<LogicalId.Arn>:*]`: every qualifier (version, alias) of one function. */
export function qualifiersFinding(fn: IConstruct): string {
  return `AwsSolutions-IAM5[Resource::<${logicalIdOf(fn)}.Arn>:*]`;
}

/** `AwsSolutions-IAM5[Resource::<LogicalId.Arn>/*]`: every object of one bucket. */
export function objectsFinding(bucket: IConstruct): string {
  return `AwsSolutions-IAM5[Resource::<${logicalIdOf(bucket)}.Arn>/*]`;
}

/** The two rules on a Lambda function without a dead-letter queue. */
export const FUNCTION_DLQ_RULES = ['NIST.800.53.R5-LambdaDLQ', 'Serverless-LambdaDLQ'] as const;

/** Why a function invoked synchronously (API Gateway, CloudFormation) or by SQS needs no dead-letter queue. */
export const SYNCHRONOUS_FUNCTION_DLQ_REASON =
  'The function is invoked synchronously (by API Gateway or by CloudFormation through the custom-resource ' +
  'framework, and the caller gets the error) or by an SQS event source mapping, whose failed messages go back ' +
  "to their queue and then to its dead-letter queue. A function's dead-letter queue only receives failed " +
  'asynchronous invocations, which this function never has.';

/** A worker function consuming an SQS queue: the rule asks for an on-failure destination SQS has not. */
export function acknowledgeSqsWorker(worker: IConstruct): void {
  acknowledgeRules(
    worker,
    ['Serverless-LambdaEventSourceMappingDestination'],
    'On-failure destinations apply to stream and Kafka event sources; for an SQS source a failed message ' +
      "stays on its queue and moves to the queue's dead-letter queue after maxReceiveCount receives, which " +
      'the work queue has (its depth is there for a "not empty" alarm).',
  );
}

/** A role that sends to a KMS-encrypted queue of its own construct (the CDK's `grantSendMessages`). */
export function acknowledgeQueueSender(role: IConstruct): void {
  acknowledgeRules(
    role,
    ['AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]'],
    "The CDK's grantSendMessages on a KMS-encrypted queue: the key actions name one resource, that queue's " +
      "own customer-managed key, which encrypts nothing but this service's queues and logs.",
  );
}

/**
 * Acknowledges `rules` on every construct below `scope` whose path relative to it matches `path`:
 * for what aws-cdk-lib modules create inside a construct of ours, which we reach only by path.
 */
export function acknowledgeMatching(scope: IConstruct, path: RegExp, rules: readonly string[], reason: string): void {
  const prefix = scope.node.path.length + 1;
  for (const construct of scope.node.findAll()) {
    if (construct !== scope && path.test(construct.node.path.slice(prefix))) acknowledgeRules(construct, rules, reason);
  }
}

/** The logical id a construct's CloudFormation element gets, as findings quote it (`<Id.Arn>`). */
export function logicalIdOf(element: IConstruct): string {
  const resource = (element.node.defaultChild ?? element) as CfnElement;
  return Stack.of(resource).resolve(resource.logicalId) as string;
}
