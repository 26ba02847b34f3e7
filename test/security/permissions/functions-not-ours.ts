import type { HandlerAwsCalls } from '../../../lambda/contract/aws-calls';

/**
 * The functions of the stages whose code is aws-cdk-lib's, not a platform handler: each is named here
 * with what it is and, where its calls are known and its resources in the template, those calls
 * (simulated like a handler's; no bundle check, its code ships prebuilt in aws-cdk-lib). A function
 * that is neither a platform handler nor one of these fails the inventory test.
 */
export interface FunctionNotOurs {
  readonly what: string;
  readonly matches: (logicalId: string, properties: Record<string, unknown>) => boolean;
  /** Its calls, when the test can check them; otherwise `why` says why it cannot. */
  readonly calls?: HandlerAwsCalls;
  readonly whyUnchecked?: string;
}

const USER_FUNCTION = { env: 'USER_ON_EVENT_FUNCTION_ARN', holds: 'arn' } as const;

export const FUNCTIONS_NOT_OURS: readonly FunctionNotOurs[] = [
  {
    what: "aws-cdk-lib's custom resource Provider framework (onEvent): runs the custom resource's own function",
    matches: (_, properties) => properties.Handler === 'framework.onEvent',
    calls: {
      calls: [
        { action: 'lambda:InvokeFunction', resource: USER_FUNCTION, why: 'invokes the custom resource handler' },
        {
          action: 'lambda:GetFunction',
          resource: USER_FUNCTION,
          why: 'waits for the handler to be active before invoking it',
        },
      ],
    },
  },
  {
    what: "aws-cdk-lib's Vpc restrictDefaultSecurityGroup custom resource (revokes the default security group's rules)",
    matches: (logicalId) => logicalId.startsWith('CustomVpcRestrictDefaultSGCustomResourceProviderHandler'),
    whyUnchecked:
      'its role is made by aws-cdk-lib inside the custom resource provider, scoped to the VPC default security group by ARN; the call takes the group id from the resource properties',
  },
  {
    what: "aws-cdk-lib eks-v2's kubectl handler (Python: kubectl and helm against the serving cluster)",
    matches: (logicalId, properties) =>
      /KubectlProviderHandler/.test(logicalId) && String(properties.Runtime).startsWith('python'),
    whyUnchecked:
      'its calls go to the Kubernetes API through the cluster access entry (not IAM actions), plus eks:DescribeCluster, which aws-cdk-lib grants on the cluster ARN',
  },
];
