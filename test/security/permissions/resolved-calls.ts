import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AwsCall, AwsCallResource } from '../../../lambda/contract/aws-calls';
import type { StageFunction } from './function-inventory';
import { queueArnOfUrl, type TemplateResolver } from './template-resolver';

/**
 * A request the function's role makes, concrete: the action, the resource's ARN in the fake account,
 * and the request context that matters to the policies (`kms:ViaService` when a service calls KMS
 * for it).
 */
export interface ResolvedCall {
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string>>;
  /** code: the handler's declaration; lambda: Lambda itself with the function's role; kms: a service on its behalf. */
  readonly by: 'code' | 'lambda' | 'kms';
  readonly why: string;
}

/** Where a stage's staged assets are, to read a config layer's file; undefined for a hand-made template. */
export interface CallContext {
  readonly resolver: TemplateResolver;
  readonly assetDirectory?: string;
}

function environmentValue(fn: StageFunction, name: string): string {
  const value = fn.environment[name];
  if (value === undefined) {
    throw new Error(
      `${fn.logicalId} (${fn.handler}) declares a call on the resource in ${name}, but its construct sets no ${name}: ` +
        'the declaration or the construct is wrong.',
    );
  }
  return value;
}

/** The gateway config a function reads: the file its environment names, found in its layers' staged assets. */
function gatewayConfigOf(
  context: CallContext,
  fn: StageFunction,
  file: string,
): { deployments: Record<string, unknown> } {
  if (!file.startsWith('/opt/')) throw new Error(`${fn.logicalId}'s config file ${file} is not in a layer (/opt)`);
  for (const layer of (fn.properties.Layers as unknown[] | undefined) ?? []) {
    const id = (layer as { Ref?: string }).Ref;
    const key = id && (context.resolver.resource(id).Properties?.Content as { S3Key?: string } | undefined)?.S3Key;
    if (!key || !context.assetDirectory) continue;
    const at = path.join(context.assetDirectory, `asset.${key.replace(/\.zip$/, '')}`, file.slice('/opt/'.length));
    if (fs.existsSync(at)) return JSON.parse(fs.readFileSync(at, 'utf8')) as { deployments: Record<string, unknown> };
  }
  throw new Error(`None of ${fn.logicalId}'s layers holds ${file}`);
}

/** The Bedrock resources a Converse call reaches for each Bedrock deployment of the config (and the profile's context). */
function bedrockTargets(
  context: CallContext,
  fn: StageFunction,
  file: string,
): { resource: string; context: Record<string, string> }[] {
  const { region: stackRegion, account } = context.resolver;
  const targets: { resource: string; context: Record<string, string> }[] = [];
  for (const deployment of Object.values(gatewayConfigOf(context, fn, file).deployments)) {
    const {
      provider,
      model,
      region = stackRegion,
    } = deployment as { provider: string; model: string; region?: string };
    if (provider !== 'bedrock') continue;
    if (model.startsWith('arn:')) {
      targets.push({ resource: model, context: {} });
      continue;
    }
    const profile = /^(us|us-gov|eu|apac|jp|au|ca|global)\.(.+)$/.exec(model);
    if (!profile) {
      targets.push({ resource: `arn:aws:bedrock:${region}::foundation-model/${model}`, context: {} });
      continue;
    }
    // A cross-Region profile: the call on the profile, then Bedrock's on the base model in a destination Region.
    const profileArn = `arn:aws:bedrock:${region}:${account}:inference-profile/${model}`;
    targets.push({ resource: profileArn, context: {} });
    targets.push({
      resource: `arn:aws:bedrock:${region}::foundation-model/${profile[2]}`,
      context: { 'bedrock:InferenceProfileArn': profileArn },
    });
  }
  return targets;
}

/** The ARN of the custom resource property, for a function some custom resource's provider runs. */
function customResourceProperty(context: CallContext, fn: StageFunction, property: string): string[] {
  const { resolver } = context;
  const functionArn = resolver.string({ 'Fn::GetAtt': [fn.logicalId, 'Arn'] });
  const tokens = new Set([functionArn]);
  for (const [id, resource] of Object.entries(resolver.template.Resources)) {
    const variables = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    if (resource.Type === 'AWS::Lambda::Function' && variables?.USER_ON_EVENT_FUNCTION_ARN !== undefined) {
      if (resolver.string(variables.USER_ON_EVENT_FUNCTION_ARN) === functionArn)
        tokens.add(resolver.string({ 'Fn::GetAtt': [id, 'Arn'] }));
    }
  }
  const values = Object.values(resolver.template.Resources)
    .filter(
      (r) =>
        r.Type.startsWith('Custom::') &&
        r.Properties &&
        tokens.has(String(resolver.resolve(r.Properties.ServiceToken))),
    )
    .map((r) => resolver.string(r.Properties![property]));
  if (values.length === 0) throw new Error(`No custom resource run by ${fn.logicalId} has the property ${property}`);
  return values;
}

/** The buckets whose object events an EventBridge rule sends to the queue. */
function bucketsNotifying(resolver: TemplateResolver, queueArn: string): string[] {
  const buckets: string[] = [];
  for (const resource of Object.values(resolver.template.Resources)) {
    if (resource.Type !== 'AWS::Events::Rule') continue;
    const targets = (resource.Properties?.Targets as { Arn: unknown }[] | undefined) ?? [];
    if (!targets.some((target) => resolver.resolve(target.Arn) === queueArn)) continue;
    const pattern = resolver.resolve(resource.Properties?.EventPattern) as {
      detail?: { bucket?: { name?: string[] } };
    };
    buckets.push(...(pattern.detail?.bucket?.name ?? []));
  }
  if (buckets.length === 0) throw new Error(`No EventBridge rule sends bucket events to ${queueArn}`);
  return buckets;
}

/** The concrete resources (and extra context) a declared call's resource reference stands for. */
export function targetsOf(
  context: CallContext,
  fn: StageFunction,
  resource: AwsCallResource,
): { resource: string; context: Record<string, string> }[] {
  const plain = (arns: string[]) => arns.map((arn) => ({ resource: arn, context: {} }));
  if ('customResourceProperty' in resource)
    return plain(customResourceProperty(context, fn, resource.customResourceProperty));
  const value = environmentValue(fn, resource.env);
  const { region, account } = context.resolver;
  switch (resource.holds) {
    case 'arn':
      return plain([value]);
    case 'arn-map':
      return plain(Object.values(JSON.parse(value) as Record<string, string>));
    case 'queue-url':
      return plain([queueArnOfUrl(value)]);
    case 'table-name':
      return plain([`arn:aws:dynamodb:${region}:${account}:table/${value}`]);
    case 'gateway-config-bedrock-models':
      return bedrockTargets(context, fn, value);
    case 'queue-url-of-bucket-events':
      return plain(
        bucketsNotifying(context.resolver, queueArnOfUrl(value)).map((bucket) => `arn:aws:s3:::${bucket}/any-object`),
      );
  }
}

/** The declared calls of a function made concrete. */
export function resolveDeclaredCalls(
  context: CallContext,
  fn: StageFunction,
  calls: readonly AwsCall[],
): ResolvedCall[] {
  return calls.flatMap((call) =>
    targetsOf(context, fn, call.resource).map((target) => ({
      action: call.action,
      resource: target.resource,
      context: target.context,
      by: 'code' as const,
      why: call.why,
    })),
  );
}
