/**
 * Resolves a stage template's intrinsic functions (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select,
 * Fn::If) to concrete values in a fake account and region, so that policies, environments and
 * resource policies can be compared as IAM compares them: ARNs built the way AWS builds them for
 * each resource type, named after the logical id.
 */
export const FAKE_ACCOUNT = '123456789012';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export type CfnTemplate = { readonly Resources: Record<string, CfnResource> };

export class TemplateResolver {
  constructor(
    readonly template: CfnTemplate,
    readonly region: string,
    readonly account = FAKE_ACCOUNT,
  ) {}

  resource(logicalId: string): CfnResource {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`The template has no resource '${logicalId}'`);
    return resource;
  }

  /** The value CloudFormation would give `value`, with every intrinsic function evaluated. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item)).filter((item) => item !== undefined);
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    const [key] = Object.keys(object);
    if (Object.keys(object).length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))) {
      return this.intrinsic(key, object[key]);
    }
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, this.resolve(v)]));
  }

  /** `resolve`, for a value that must be a string. */
  string(value: unknown): string {
    const resolved = this.resolve(value);
    if (typeof resolved !== 'string')
      throw new Error(`Expected a string, resolved ${JSON.stringify(value)} to ${JSON.stringify(resolved)}`);
    return resolved;
  }

  private intrinsic(name: string, argument: unknown): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(argument as string);
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(argument) ? argument : String(argument).split(/\.(.*)/);
        return this.getAtt(id as string, attribute as string);
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return (this.resolve(parts) as unknown[]).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, unknown];
        return this.string(text).split(separator);
      }
      case 'Fn::Sub': {
        const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
        return (text as string).replace(/\$\{([^}]+)\}/g, (_, ref: string) => {
          if (ref in (variables as object)) return this.string((variables as Record<string, unknown>)[ref]);
          const [id, attribute] = ref.split(/\.(.*)/);
          return String(attribute ? this.getAtt(id!, attribute) : this.ref(id!));
        });
      }
      // Conditions here choose optional extras (a public ECR policy); the first branch is the fuller one.
      case 'Fn::If':
        return this.resolve((argument as unknown[])[1]);
      default:
        throw new Error(
          `The resolver does not evaluate ${name}; add it to test/security/permissions/template-resolver.ts`,
        );
    }
  }

  private ref(id: string): unknown {
    const pseudo: Record<string, unknown> = {
      'AWS::AccountId': this.account,
      'AWS::Region': this.region,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': 'Platform',
      'AWS::NoValue': undefined,
    };
    if (id in pseudo) return pseudo[id];
    const { Type, Properties = {} } = this.resource(id);
    switch (Type) {
      case 'AWS::SecretsManager::Secret':
        return `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${id}-AbCdEf`;
      case 'AWS::SecretsManager::SecretTargetAttachment':
        return this.resolve(Properties.SecretId);
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.region}.amazonaws.com/${this.account}/${id}`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${this.region}:${this.account}:${id}`;
      case 'AWS::S3::Bucket':
        return id.toLowerCase();
      case 'AWS::Lambda::LayerVersion':
        return `arn:aws:lambda:${this.region}:${this.account}:layer:${id}:1`;
      case 'AWS::KMS::Key':
        return `key-${id}`;
      default:
        // The physical name: tables, functions, log groups, roles, clusters...
        return id;
    }
  }

  private getAtt(id: string, attribute: string): unknown {
    const { Type } = this.resource(id);
    const at = `${this.region}:${this.account}`;
    if (attribute === 'Arn') {
      const arns: Record<string, string> = {
        'AWS::SQS::Queue': `arn:aws:sqs:${at}:${id}`,
        'AWS::DynamoDB::Table': `arn:aws:dynamodb:${at}:table/${id}`,
        'AWS::S3::Bucket': `arn:aws:s3:::${id.toLowerCase()}`,
        'AWS::KMS::Key': `arn:aws:kms:${at}:key/key-${id}`,
        'AWS::Logs::LogGroup': `arn:aws:logs:${at}:log-group:${id}:*`,
        'AWS::IAM::Role': `arn:aws:iam::${this.account}:role/${id}`,
        'AWS::Lambda::Function': `arn:aws:lambda:${at}:function:${id}`,
        'AWS::EKS::Cluster': `arn:aws:eks:${at}:cluster/${id}`,
        'AWS::Events::Rule': `arn:aws:events:${at}:rule/${id}`,
        'AWS::SNS::Topic': `arn:aws:sns:${at}:${id}`,
      };
      if (Type in arns) return arns[Type];
    }
    if (Type === 'AWS::SQS::Queue' && attribute === 'QueueUrl') return this.ref(id);
    // Endpoints, ports, ids: opaque values no policy compares.
    return `${id}.${attribute}`;
  }
}

/** The SQS queue ARN behind a queue URL the resolver made. */
export function queueArnOfUrl(url: string): string {
  const match = /^https:\/\/sqs\.([^.]+)\.amazonaws\.com\/(\d+)\/(.+)$/.exec(url);
  if (!match) throw new Error(`'${url}' is not an SQS queue URL`);
  return `arn:aws:sqs:${match[1]}:${match[2]}:${match[3]}`;
}
