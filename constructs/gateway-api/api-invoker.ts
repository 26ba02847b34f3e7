import type { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ManagedPolicyRole } from '../shared/function-role';

/**
 * How the API invokes its functions: API Gateway assumes a role (the integrations' and the
 * authorizer's credentials) whose policy names each function it may invoke, instead of every
 * function carrying a resource policy that lets the API Gateway service in.
 *
 * So the functions have no resource policy at all: none can be read as public (AWS Control Tower's
 * CT.LAMBDA.PR.2 checks a permission's source statically, and cannot read one built from the API's
 * id), and a function behind many routes does not gather a permission per route (a function's
 * policy is capped at 20 kB).
 */
export class ApiInvoker {
  readonly role: ManagedPolicyRole;
  private readonly allowed = new Set<lambda.IFunction>();

  constructor(scope: Construct, id: string) {
    this.role = new ManagedPolicyRole(scope, id, {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: `API Gateway invokes the functions of ${scope.node.path} as this role`,
    });
  }

  /** Lets the API invoke `fn`: one statement per function, however many routes lead to it. */
  allow(fn: lambda.IFunction): void {
    if (this.allowed.has(fn)) return;
    this.allowed.add(fn);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }),
    );
  }

  /**
   * A Lambda proxy integration of `fn` that API Gateway calls as the role: `streaming` through
   * Lambda's InvokeWithResponseStream (which takes lambda:InvokeFunction too), else Invoke.
   */
  integration(fn: lambda.IFunction, options: { streaming: boolean; timeout: Duration }): apigateway.Integration {
    this.allow(fn);
    return new apigateway.AwsIntegration({
      proxy: true,
      service: 'lambda',
      path: options.streaming
        ? `2021-11-15/functions/${fn.functionArn}/response-streaming-invocations`
        : `2015-03-31/functions/${fn.functionArn}/invocations`,
      options: {
        credentialsRole: this.role,
        responseTransferMode: options.streaming
          ? apigateway.ResponseTransferMode.STREAM
          : apigateway.ResponseTransferMode.BUFFERED,
        timeout: options.timeout,
      },
    });
  }

  /**
   * The role, for a Lambda authorizer's `assumeRole`, after {@link allow} for its function. Given
   * as an immutable view: the authorizer would otherwise attach an inline policy of its own to it.
   */
  authorizerRole(fn: lambda.IFunction): iam.IRole {
    this.allow(fn);
    return this.role.withoutPolicyUpdates();
  }
}
