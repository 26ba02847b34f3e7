/**
 * What a deployed function asks AWS to do with its own role: the data each handler declares beside
 * itself (`lambda/<handler>/aws-calls.ts`). The permission test (`test/security/permissions.test.ts`)
 * resolves each call's resource from the environment the function's construct sets in the stage
 * templates, evaluates it against the role's policies and the resource and key policies there, and
 * checks the list against the AWS SDK commands the handler's bundle holds. Nothing at run time reads it.
 */

/** Which resource a call acts on, as the deployed function learns it. */
export type AwsCallResource =
  /** An environment variable holding the resource's ARN (a secret ARN, say). */
  | { readonly env: string; readonly holds: 'arn' }
  /** An environment variable holding a JSON object whose values are ARNs (`PROVIDER_SECRET_ARNS`). */
  | { readonly env: string; readonly holds: 'arn-map' }
  /** An environment variable holding an SQS queue URL. */
  | { readonly env: string; readonly holds: 'queue-url' }
  /** An environment variable holding a DynamoDB table name. */
  | { readonly env: string; readonly holds: 'table-name' }
  /** Every Bedrock model the gateway config file named by this environment variable deploys. */
  | { readonly env: string; readonly holds: 'gateway-config-bedrock-models' }
  /** The objects of every bucket whose events an EventBridge rule delivers to the queue named here. */
  | { readonly env: string; readonly holds: 'queue-url-of-bucket-events' }
  /** A property (an ARN) of the CloudFormation custom resource whose provider runs this function. */
  | { readonly customResourceProperty: string };

/** One AWS API action the handler's code calls, on what, and why. */
export interface AwsCall {
  /** The IAM action, `service:Action` (the SDK command's name without `Command`, as IAM spells it). */
  readonly action: `${string}:${string}`;
  readonly resource: AwsCallResource;
  /** What the code does with it (the test names it when the call is not allowed). */
  readonly why: string;
}

/**
 * An SDK command the bundle holds that this handler never sends: code shared with another handler
 * that tree shaking cannot drop (a class's other methods). Declaring it, with the reason, keeps the
 * bundle check exact without granting it.
 */
export interface BundledButNotCalled {
  /** The SDK command class, e.g. `PutItemCommand`. */
  readonly command: string;
  readonly why: string;
}

/** A handler's declaration. */
export interface HandlerAwsCalls {
  readonly calls: readonly AwsCall[];
  readonly bundledButNotCalled?: readonly BundledButNotCalled[];
}
