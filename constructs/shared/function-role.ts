import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledgeRules } from './nag-acknowledgments';

/**
 * A role whose every statement (its own, the CDK's grants, another construct's `grant*`) lands in one
 * customer-managed policy attached to it, never in an inline policy: reviewers find what the role may
 * do in one named, versioned document.
 */
export class ManagedPolicyRole extends iam.Role {
  /** The role's permissions. */
  readonly permissions: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: iam.RoleProps & { readonly statements?: iam.PolicyStatement[] }) {
    const { statements, ...roleProps } = props;
    super(scope, id, roleProps);
    // Attached from the policy's side (its Roles list), so that the role does not depend on the
    // policy: a key policy naming the role, and this policy naming that key's secret, would
    // otherwise be a dependency cycle.
    this.permissions = new iam.ManagedPolicy(this, 'Permissions', {
      description: `Permissions of ${this.node.path}`,
      roles: [this],
      statements,
    });
  }

  override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.permissions.addStatements(statement);
    return { statementAdded: true, policyDependable: this.permissions };
  }
}

/**
 * The execution role of a platform function in a VPC.
 *
 * - No AWS managed policy: `AWSLambdaBasicExecutionRole` / `AWSLambdaVPCAccessExecutionRole` would
 *   let the function write to every log group of the account. It writes to its own log group only.
 * - No inline policy either (a {@link ManagedPolicyRole}).
 * - The network-interface actions Lambda needs to attach the function to the VPC (and X-Ray's
 *   `PutTraceSegments`) are the only statements that cannot name a resource.
 */
export class VpcFunctionRole extends ManagedPolicyRole {
  constructor(
    scope: Construct,
    id: string,
    props: { readonly logGroup: logs.ILogGroup; readonly description: string },
  ) {
    super(scope, id, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
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
    acknowledgeRules(
      this.permissions,
      ['AwsSolutions-IAM5[Resource::*]'],
      "Two statements of the function's own managed policy cannot name a resource: the network-interface " +
        'actions Lambda needs to attach a function to the VPC (ec2:DescribeNetworkInterfaces and its kin have ' +
        "no resource-level permissions) and X-Ray's PutTraceSegments/PutTelemetryRecords (none either). Every " +
        'other statement (logs, secrets, Bedrock models, tables, queues) names its resources.',
    );
  }
}
