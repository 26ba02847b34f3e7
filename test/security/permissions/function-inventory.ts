import * as fs from 'node:fs';
import * as path from 'node:path';
import { PLATFORM_HANDLERS, type PlatformHandler } from '../../../constructs/shared/platform-function';
import { AWS_MANAGED_POLICIES } from './aws-managed-policies';
import { TemplateResolver } from './template-resolver';

/** An IAM policy document as a template holds it, resolved. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly PolicyStatement[];
}
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

/** One Lambda function of a template, with what its role holds. */
export interface StageFunction {
  readonly logicalId: string;
  readonly properties: Record<string, unknown>;
  /** The platform handler it runs, from its bundle's source map; undefined for a function not ours. */
  readonly handler: PlatformHandler | undefined;
  readonly roleArn: string;
  readonly roleLogicalId: string;
  /** The function's environment, resolved. */
  readonly environment: Readonly<Record<string, string>>;
  /** Inline, attached and managed policies of the role, by a name that says where each comes from. */
  readonly identityPolicies: readonly { readonly name: string; readonly policy: PolicyDocument }[];
}

const asList = <T>(value: T | readonly T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? [...(value as T[])] : [value as T];

/** The platform handler whose entry the staged bundle's source map names (`lambda/<handler>/handler.ts`). */
export function handlerOfAsset(assetDirectory: string, s3Key: string): PlatformHandler | undefined {
  const map = path.join(assetDirectory, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.js.map');
  if (!fs.existsSync(map)) return undefined;
  const { sources } = JSON.parse(fs.readFileSync(map, 'utf8')) as { sources: string[] };
  const entries = (Object.keys(PLATFORM_HANDLERS) as PlatformHandler[]).filter((handler) =>
    sources.some((source) => source.endsWith(`lambda/${handler}/handler.ts`)),
  );
  if (entries.length > 1) throw new Error(`The bundle ${map} holds the entries of ${entries.join(', ')}`);
  return entries[0];
}

/** The policies a role holds: its inline policies, the AWS::IAM::Policy and ManagedPolicy attached to it, its managed ARNs. */
export function rolePolicies(resolver: TemplateResolver, roleLogicalId: string): StageFunction['identityPolicies'] {
  const role = resolver.resource(roleLogicalId).Properties ?? {};
  const policies: { name: string; policy: PolicyDocument }[] = [];
  for (const inline of asList(role.Policies as { PolicyName: string; PolicyDocument: unknown }[] | undefined)) {
    policies.push({
      name: `${roleLogicalId}/${inline.PolicyName}`,
      policy: resolver.resolve(inline.PolicyDocument) as PolicyDocument,
    });
  }
  for (const [id, resource] of Object.entries(resolver.template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const roles = asList(resource.Properties?.Roles).map((ref) => (ref as { Ref?: string }).Ref);
    if (!roles.includes(roleLogicalId)) continue;
    policies.push({ name: id, policy: resolver.resolve(resource.Properties?.PolicyDocument) as PolicyDocument });
  }
  for (const arn of asList(resolver.resolve(role.ManagedPolicyArns) as string[] | undefined)) {
    const name = /:policy\/(.+)$/.exec(arn)?.[1];
    const policy = name === undefined ? undefined : AWS_MANAGED_POLICIES[name];
    if (!policy) {
      const customer = Object.entries(resolver.template.Resources).find(
        ([id, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && arn.endsWith(`/${id}`),
      );
      if (!customer) {
        throw new Error(
          `Role ${roleLogicalId} has the managed policy ${arn}, whose document the test does not hold: ` +
            'add it to test/security/permissions/aws-managed-policies.ts (from the IAM console or `aws iam get-policy-version`).',
        );
      }
      policies.push({
        name: customer[0],
        policy: resolver.resolve(customer[1].Properties?.PolicyDocument) as PolicyDocument,
      });
      continue;
    }
    policies.push({ name: `aws-managed/${name}`, policy });
  }
  return policies;
}

/**
 * Every Lambda function of the template with its role's policies. `handlerOf` says which platform
 * handler a function runs (from the staged bundle, or given by a hand-made template's test).
 */
export function stageFunctions(
  resolver: TemplateResolver,
  handlerOf: (logicalId: string, properties: Record<string, unknown>) => PlatformHandler | undefined,
): StageFunction[] {
  return Object.entries(resolver.template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([logicalId, resource]) => {
      const properties = resource.Properties ?? {};
      const role = properties.Role as { 'Fn::GetAtt'?: [string, string] };
      const roleLogicalId = role['Fn::GetAtt']?.[0];
      if (!roleLogicalId)
        throw new Error(`Function ${logicalId}'s role is not a role of the template: ${JSON.stringify(role)}`);
      const variables =
        (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      return {
        logicalId,
        properties,
        handler: handlerOf(logicalId, properties),
        roleArn: resolver.string(properties.Role),
        roleLogicalId,
        environment: Object.fromEntries(
          Object.entries(variables).map(([name, value]) => [name, resolver.string(value)]),
        ),
        identityPolicies: rolePolicies(resolver, roleLogicalId),
      };
    });
}
