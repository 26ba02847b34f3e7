import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument, StageFunction } from './function-inventory';
import type { ResolvedCall } from './resolved-calls';
import { queueArnOfUrl, type TemplateResolver } from './template-resolver';

/**
 * Evaluates a call with `@cloud-copilot/iam-simulate` (strict mode, same account): the role's
 * identity policies and the resource's own policy from the template (a secret's resource policy, a
 * KMS key policy, a queue or bucket policy), as IAM would for the function's role.
 */
export interface CallVerdict {
  readonly call: ResolvedCall;
  readonly result: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied' | 'Error';
  /** The statements that allow it: `policy name#Sid or index`, identity first, then the resource's. */
  readonly allowedBy: readonly string[];
  readonly error?: string;
}

/** The resource policy the template gives the resource of a request, merged when several apply. */
export function resourcePolicyOf(resolver: TemplateResolver, resource: string): PolicyDocument | undefined {
  const statements: PolicyDocument['Statement'][number][] = [];
  for (const [id, r] of Object.entries(resolver.template.Resources)) {
    const p = r.Properties ?? {};
    let document: unknown;
    if (r.Type === 'AWS::SecretsManager::ResourcePolicy' && resolver.resolve(p.SecretId) === resource)
      document = p.ResourcePolicy;
    if (r.Type === 'AWS::KMS::Key' && resolver.resolve({ 'Fn::GetAtt': [id, 'Arn'] }) === resource)
      document = p.KeyPolicy;
    if (
      r.Type === 'AWS::SQS::QueuePolicy' &&
      (resolver.resolve(p.Queues) as string[]).map(queueArnOfUrl).includes(resource)
    ) {
      document = p.PolicyDocument;
    }
    if (r.Type === 'AWS::S3::BucketPolicy' && resource.startsWith(`arn:aws:s3:::${resolver.string(p.Bucket)}/`))
      document = p.PolicyDocument;
    if (document !== undefined) statements.push(...(resolver.resolve(document) as PolicyDocument).Statement);
  }
  return statements.length === 0 ? undefined : { Version: '2012-10-17', Statement: statements };
}

function statementName(policyId: string, statement: { Sid?: string }, index: number | undefined): string {
  return `${policyId}#${statement.Sid ?? index ?? '?'}`;
}

function isAccountRoot(principal: unknown, account: string): boolean {
  const aws = (principal as { AWS?: unknown } | undefined)?.AWS;
  return aws === `arn:aws:iam::${account}:root` || aws === account;
}

export async function simulateCall(
  resolver: TemplateResolver,
  fn: StageFunction,
  call: ResolvedCall,
): Promise<CallVerdict> {
  const resourcePolicy = call.resource === '*' ? undefined : resourcePolicyOf(resolver, call.resource);
  const response = await runSimulation(
    {
      request: {
        // The function's session: Lambda assumes the role, named after the function.
        principal: `${fn.roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${fn.logicalId}`,
        action: call.action,
        resource: { resource: call.resource, accountId: resolver.account },
        contextVariables: {
          'aws:SecureTransport': 'true',
          'aws:PrincipalArn': fn.roleArn,
          'aws:PrincipalAccount': resolver.account,
          'aws:PrincipalIsAWSService': 'false',
          ...call.context,
        },
      },
      identityPolicies: fn.identityPolicies.map(({ name, policy }) => ({ name, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    },
    { simulationMode: 'Strict' },
  );
  if (response.resultType === 'error') {
    return { call, result: 'Error', allowedBy: [], error: JSON.stringify(response.errors) };
  }
  const results = response.resultType === 'single' ? [response.result] : response.results;
  const allowedBy = new Set<string>();
  for (const { analysis } of results) {
    const statements = [
      ...(analysis.identityAnalysis?.allowStatements ?? []),
      ...(analysis.resourceAnalysis?.allowStatements ?? []).map((s) => ({
        ...s,
        policyId: `resource policy of ${call.resource}`,
      })),
    ];
    for (const s of statements) {
      const raw = s.statement.toJSON() as { Principal?: unknown; Sid?: string };
      // The key policy's account-root statement only lets IAM policies grant: it is not the grant.
      if (s.policyId.startsWith('resource policy') && isAccountRoot(raw.Principal, resolver.account)) continue;
      const policy = s.policyId.startsWith('resource policy')
        ? resourcePolicy
        : fn.identityPolicies.find((p) => p.name === s.policyId)?.policy;
      const index = policy?.Statement.findIndex((candidate) => JSON.stringify(candidate) === JSON.stringify(raw));
      allowedBy.add(statementName(s.policyId, raw, index === -1 ? undefined : index));
    }
  }
  return { call, result: response.overallResult, allowedBy: [...allowedBy] };
}
