import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * The execution role of a platform function in a VPC.
 *
 * - No AWS managed policy: `AWSLambdaBasicExecutionRole` / `AWSLambdaVPCAccessExecutionRole` would
 *   let the function write to every log group of the account. It writes to its own log group only.
 * - No inline policy either: every statement added to the role (by this construct, by the CDK's
 *   tracing support, by another construct's `grant*`) lands in one customer-managed policy attached
 *   to it, so reviewers find the function's permissions in one named, versioned document.
 * - The network-interface actions Lambda needs to attach the function to the VPC (and X-Ray's
 *   `PutTraceSegments`) are the only statements that cannot name a resource.
 */
export class VpcFunctionRole extends iam.Role {
  /** The role's permissions. */
  readonly permissions: iam.ManagedPolicy;

  constructor(
    scope: Construct,
    id: string,
    props: { readonly logGroup: logs.ILogGroup; readonly description: string },
  ) {
    super(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: props.description });
    // Attached from the policy's side (its Roles list), so that the role does not depend on the
    // policy: a key policy naming the role, and this policy naming that key's secret, would
    // otherwise be a dependency cycle.
    this.permissions = new iam.ManagedPolicy(this, 'Permissions', {
      description: `Permissions of ${this.node.path}`,
      roles: [this],
      statements: [
        new iam.PolicyStatement({
          sid: 'WriteOwnLogGroup',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [props.logGroup.logGroupArn],
        }),
        new iam.PolicyStatement({
          sid: 'AttachToVpc',
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      ],
    });
  }

  override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.permissions.addStatements(statement);
    return { statementAdded: true, policyDependable: this.permissions };
  }
}
