import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as cr from 'aws-cdk-lib/custom-resources';
import type { IConstruct } from 'constructs';
import {
  FUNCTION_DLQ_RULES,
  SYNCHRONOUS_FUNCTION_DLQ_REASON,
  acknowledgeRules,
  qualifiersFinding,
} from '../shared/nag-acknowledgments';

/**
 * What the schema step's function and the custom-resource framework function that invokes it are
 * acknowledged for: both run once per deployment, invoked by CloudFormation.
 */
export function acknowledgeSchemaStep(
  schemaFunction: lambda.Function,
  provider: cr.Provider,
  frameworkRole: IConstruct,
): void {
  for (const fn of [schemaFunction, provider]) {
    acknowledgeRules(
      fn,
      ['NIST.800.53.R5-LambdaConcurrency'],
      'These functions run once per deployment, invoked by CloudFormation; concurrent runs are serialised by ' +
        'an advisory lock in the database. Reserving concurrency would take capacity from the account (and ' +
        'fails outright in accounts with the default limit of 10) for no protection.',
    );
  }
  // The schema function's own are made by the platform's function recipe (serviceFunction).
  acknowledgeRules(provider, FUNCTION_DLQ_RULES, SYNCHRONOUS_FUNCTION_DLQ_REASON);
  acknowledgeRules(
    frameworkRole,
    [qualifiersFinding(schemaFunction)],
    'The CDK custom-resource framework may invoke the versions and aliases of exactly one function, the ' +
      'schema step\'s (its ARN followed by ":*"): the wildcard spans qualifiers of that function only.',
  );
  acknowledgeRules(
    provider,
    ['Serverless-LambdaDefaultMemorySize'],
    "The CDK custom-resource framework sets its own function's size; it only relays one invocation per " +
      'deployment to the schema function (which sets 256 MB) and to CloudFormation.',
  );
}
