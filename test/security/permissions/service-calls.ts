import type { StageFunction } from './function-inventory';
import type { ResolvedCall } from './resolved-calls';
import type { TemplateResolver } from './template-resolver';

/**
 * The calls made with a function's role by AWS rather than by its code, derived from the template:
 * - Lambda itself: the log stream in the function's log group, the network interfaces of a function
 *   in a VPC, the X-Ray segments of active tracing, the polling of an SQS event source mapping, the
 *   dead-letter queue of asynchronous invocations;
 * - a service calling KMS for the caller when the resource it reads or writes is encrypted with a
 *   customer managed key (Secrets Manager, SQS, S3, DynamoDB), with `kms:ViaService` set.
 */

const ec2NetworkCalls = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/** What Lambda does with the function's role, from the function's own properties and its event sources. */
export function lambdaServiceCalls(resolver: TemplateResolver, fn: StageFunction): ResolvedCall[] {
  const { region, account } = resolver;
  const p = fn.properties;
  const calls: ResolvedCall[] = [];
  const lambda = (action: string, resource: string, why: string): void => {
    calls.push({ action, resource, context: {}, by: 'lambda', why });
  };
  const logGroup =
    (p.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup !== undefined
      ? resolver.string((p.LoggingConfig as { LogGroup: unknown }).LogGroup)
      : `/aws/lambda/${fn.logicalId}`;
  for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
    lambda(
      action,
      `arn:aws:logs:${region}:${account}:log-group:${logGroup}:log-stream:2026/12/08/[$LATEST]0f`,
      'Lambda writes the function log',
    );
  }
  if (p.VpcConfig !== undefined) {
    for (const action of ec2NetworkCalls) lambda(action, '*', 'Lambda attaches the function to its VPC subnets');
  }
  if ((p.TracingConfig as { Mode?: string } | undefined)?.Mode === 'Active') {
    for (const action of ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'])
      lambda(action, '*', 'active tracing sends segments');
  }
  const functionName = resolver.string({ Ref: fn.logicalId });
  for (const resource of Object.values(resolver.template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    if (resolver.resolve(resource.Properties?.FunctionName) !== functionName) continue;
    const source = resolver.string(resource.Properties?.EventSourceArn);
    if (!source.startsWith('arn:aws:sqs:'))
      throw new Error(`${fn.logicalId}'s event source ${source} is not SQS: add its calls here`);
    for (const action of [
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:GetQueueAttributes',
    ]) {
      lambda(action, source, 'the SQS event source mapping polls the queue with the function role');
    }
  }
  const deadLetters = (p.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn;
  if (deadLetters !== undefined) {
    const target = resolver.string(deadLetters);
    lambda(
      target.startsWith('arn:aws:sns:') ? 'sns:Publish' : 'sqs:SendMessage',
      target,
      'failed asynchronous invocations go to the dead-letter target',
    );
  }
  return calls;
}

/** The KMS actions a service asks for on the caller's behalf, for each action on an encrypted resource. */
const KMS_ON_BEHALF: Readonly<Record<string, readonly string[]>> = {
  'secretsmanager:GetSecretValue': ['kms:Decrypt'],
  'sqs:SendMessage': ['kms:GenerateDataKey', 'kms:Decrypt'],
  'sqs:ReceiveMessage': ['kms:Decrypt'],
  's3:GetObject': ['kms:Decrypt'],
  // DynamoDB decrypts a customer-managed-key table's data for the caller (CDK's grantReadData grants it).
  'dynamodb:GetItem': ['kms:Decrypt'],
};

/** The customer managed key (its ARN) that encrypts the resource, if the template says one does. */
export function keyOf(resolver: TemplateResolver, resourceArn: string): string | undefined {
  for (const [id, resource] of Object.entries(resolver.template.Resources)) {
    const p = resource.Properties ?? {};
    let arn: unknown;
    let key: unknown;
    switch (resource.Type) {
      case 'AWS::SecretsManager::Secret':
        [arn, key] = [resolver.resolve({ Ref: id }), p.KmsKeyId];
        break;
      case 'AWS::SQS::Queue':
        [arn, key] = [resolver.resolve({ 'Fn::GetAtt': [id, 'Arn'] }), p.KmsMasterKeyId];
        break;
      case 'AWS::DynamoDB::Table':
        [arn, key] = [
          resolver.resolve({ 'Fn::GetAtt': [id, 'Arn'] }),
          (p.SSESpecification as { KMSMasterKeyId?: unknown } | undefined)?.KMSMasterKeyId,
        ];
        break;
      case 'AWS::S3::Bucket': {
        const rules = (
          p.BucketEncryption as
            | { ServerSideEncryptionConfiguration?: { ServerSideEncryptionByDefault?: { KMSMasterKeyID?: unknown } }[] }
            | undefined
        )?.ServerSideEncryptionConfiguration;
        [arn, key] = [
          resolver.resolve({ 'Fn::GetAtt': [id, 'Arn'] }),
          rules?.[0]?.ServerSideEncryptionByDefault?.KMSMasterKeyID,
        ];
        break;
      }
      default:
        continue;
    }
    const matches =
      resource.Type === 'AWS::S3::Bucket' ? resourceArn.startsWith(`${String(arn)}/`) : resourceArn === arn;
    if (matches && key !== undefined) {
      const resolved = resolver.string(key);
      if (resolved.startsWith('alias/aws/')) return undefined; // an AWS managed key: its policy is AWS's
      return resolved.startsWith('arn:')
        ? resolved
        : `arn:aws:kms:${resolver.region}:${resolver.account}:key/${resolved}`;
    }
  }
  return undefined;
}

export function kmsCallsOnBehalf(resolver: TemplateResolver, calls: readonly ResolvedCall[]): ResolvedCall[] {
  const kms: ResolvedCall[] = [];
  for (const call of calls) {
    const actions = KMS_ON_BEHALF[call.action];
    const key = actions && keyOf(resolver, call.resource);
    if (!actions || !key) continue;
    const service = call.action.split(':')[0]!;
    for (const action of actions) {
      kms.push({
        action,
        resource: key,
        context: {
          'kms:ViaService': `${service}.${resolver.region}.amazonaws.com`,
          'kms:CallerAccount': resolver.account,
        },
        by: 'kms',
        why: `${service} uses the key for ${call.action} on ${call.resource}`,
      });
    }
  }
  return kms;
}
