import { Duration, RemovalPolicy, SecretValue, Tags } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { UNSET_CREDENTIAL_SECRET_STRING } from '../../lambda/contract/credentials';
import { customerManagedKey } from '../shared/customer-managed-key';
import { grantSecretRead } from '../shared/grant-secret-read';
import { acknowledgeRules } from '../shared/nag-acknowledgments';
import type { IProviderSecrets } from './provider-secrets-interface';

/** The names the gateway's model config gives credentials (`deployments.*.credential`). */
const CREDENTIAL_NAME = /^[a-z][a-z0-9-]{0,62}$/;
/** A complete secret ARN ends in the 6-character suffix Secrets Manager appends to the name. */
const COMPLETE_SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;

/** Tag on every provider secret: which credential it holds (find them with `list-secrets --filters`). */
export const CREDENTIAL_TAG = 'llm-platform:credential';

/** How one credential's key is rotated. */
export interface ProviderCredentialRotation {
  /**
   * A function implementing Secrets Manager's rotation steps (createSecret, setSecret, testSecret,
   * finishSecret) for this provider: typically it creates a new key through the provider's admin API,
   * stores it as AWSPENDING, checks it, and revokes the previous key only after the gateway has had
   * time to pick the new one up (it caches keys for five minutes). It must refuse to rotate a secret
   * that still holds the unset marker. The construct grants it what rotation needs on this secret.
   */
  readonly function: lambda.IFunction;
  /**
   * How often the key is rotated.
   * @default Duration.days(30)
   */
  readonly every?: Duration;
}

export interface ProviderSecretsProps {
  /**
   * Credentials to create a secret for, by the name the gateway's model config uses
   * (`deployments.*.credential`): lower-case letters, digits and hyphens.
   */
  readonly credentials: readonly string[];
  /**
   * Credentials whose secrets already exist, used as given instead of created. Their values are
   * yours to manage; `grantRead` still grants exactly them.
   * @default - none
   */
  readonly existingSecrets?: Readonly<Record<string, secretsmanager.ISecret>>;
  /**
   * Key that encrypts the created secrets.
   * @default - a new customer-managed key with rotation enabled
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Secret names are this prefix followed by the credential name (`llm/prod/openai`), so that an
   * operator can address them by name. A named secret cannot be recreated while a deleted one of the
   * same name waits out its recovery window, so leave it unset for stacks that are torn down often.
   * @default - CloudFormation generates the names; the `llm-platform:credential` tag tells them apart
   */
  readonly secretNamePrefix?: string;
  /**
   * Automatic rotation, per credential name. Third-party API keys have no rotation Secrets Manager
   * can host: bring a function per provider (see {@link ProviderCredentialRotation}).
   * @default - no automatic rotation; set keys with `put-secret-value` and watch `onCredentialChange`
   */
  readonly rotations?: Readonly<Record<string, ProviderCredentialRotation>>;
  /**
   * What happens to the created secrets and their key when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export interface ProviderSecretsAttributes {
  /** Each credential's existing secret, by credential name, as a complete ARN or a secret. */
  readonly secrets: Readonly<Record<string, string | secretsmanager.ISecret>>;
  /**
   * The key the secrets are encrypted with, when it is a customer-managed key, so that `grantRead`
   * can let the reader decrypt them.
   * @default - the secrets use the AWS managed key, or the key's policy already lets readers decrypt
   */
  readonly encryptionKey?: kms.IKey;
}

function fail(path: string, message: string): never {
  throw new Error(`ProviderSecrets ${path}: ${message}`);
}

function checkCredentialNames(path: string, names: readonly string[], what: string): void {
  for (const name of names) {
    if (!CREDENTIAL_NAME.test(name)) {
      fail(
        path,
        `${what} "${name}" is not a credential name; use lower-case letters, digits and hyphens, ` +
          'starting with a letter (the name the gateway config gives it, e.g. "openai")',
      );
    }
  }
  const repeated = names.filter((name, i) => names.indexOf(name) !== i);
  if (repeated.length > 0) fail(path, `${what} "${repeated[0]}" is given more than once; give each once`);
}

/** What created and imported provider secrets share. */
export abstract class ProviderSecretsBase extends Construct implements IProviderSecrets {
  protected readonly secrets: Record<string, secretsmanager.ISecret> = {};

  get credentialNames(): readonly string[] {
    return Object.keys(this.secrets).sort();
  }

  secretFor(credential: string): secretsmanager.ISecret {
    const secret = this.secrets[credential];
    if (!secret) {
      fail(
        this.node.path,
        `there is no credential "${credential}"; the credentials are ${this.credentialNames.map((n) => `"${n}"`).join(', ')}. ` +
          'Add it to `credentials`, or fix the name in the gateway config.',
      );
    }
    return secret;
  }

  grantRead(grantee: iam.IGrantable, credentials: readonly string[]): iam.Grant[] {
    if (credentials.length === 0) {
      fail(this.node.path, 'grantRead needs at least one credential name; a grant of nothing is a mistake');
    }
    // Each secret's grant covers decrypting it with its key (through Secrets Manager only).
    return credentials.map((credential) => grantSecretRead(this.secretFor(credential), grantee));
  }

  /**
   * An EventBridge rule that fires whenever the current value of one of the named credentials
   * changes (an operator's `put-secret-value`, or a rotation finishing): Secrets Manager's own
   * `Secret Label Updated` event for `AWSCURRENT`, which needs no CloudTrail trail. Point it at an
   * SNS topic for an audit trail, or at a function that tells the gateway to drop its cached key.
   */
  onCredentialChange(
    id: string,
    options: events.OnEventOptions & {
      /** Only these credentials. @default - every credential of this set */
      readonly credentials?: readonly string[];
    } = {},
  ): events.Rule {
    const credentials = options.credentials ?? this.credentialNames;
    const rule = new events.Rule(this, id, {
      description: options.description ?? `Current value of a provider credential changed (${credentials.join(', ')})`,
      ruleName: options.ruleName,
      crossStackScope: options.crossStackScope,
      eventPattern: {
        ...options.eventPattern,
        source: ['aws.secretsmanager'],
        detailType: ['Secret Label Updated'],
        resources: credentials.map((credential) => this.secretFor(credential).secretArn),
        detail: { ...options.eventPattern?.detail, labelUpdated: ['AWSCURRENT'] },
      },
    });
    if (options.target) rule.addTarget(options.target);
    return rule;
  }
}

/**
 * The model providers' API keys: one Secrets Manager secret per credential, encrypted with a
 * customer-managed key. Each secret is created holding an explicit "unset" marker (never a key, so
 * no key is ever in a template), which the gateway refuses with an error naming the credential until
 * an operator sets the real key with `aws secretsmanager put-secret-value`.
 */
export class ProviderSecrets extends ProviderSecretsBase {
  /** Imports existing secrets, one per credential name. */
  static fromProviderSecretsAttributes(
    scope: Construct,
    id: string,
    attrs: ProviderSecretsAttributes,
  ): ProviderSecretsBase {
    return new ImportedProviderSecrets(scope, id, attrs);
  }

  readonly encryptionKey: kms.IKey;
  /** The secrets this construct created, by credential name (not the existing ones). */
  readonly createdSecrets: Readonly<Record<string, secretsmanager.Secret>>;

  constructor(scope: Construct, id: string, props: ProviderSecretsProps) {
    super(scope, id);
    const existing = props.existingSecrets ?? {};
    const all = [...props.credentials, ...Object.keys(existing)];
    if (all.length === 0) {
      fail(this.node.path, 'give at least one credential name in `credentials` (e.g. ["openai", "anthropic"])');
    }
    checkCredentialNames(this.node.path, all, 'credential');
    for (const name of Object.keys(props.rotations ?? {})) {
      if (!props.credentials.includes(name)) {
        fail(
          this.node.path,
          `rotations names "${name}", which is not one of the created credentials (${props.credentials.join(', ') || 'none'}); ` +
            'rotate only secrets this construct creates',
        );
      }
    }
    if (props.secretNamePrefix !== undefined && !/^[A-Za-z0-9/_+=.@-]{1,400}$/.test(props.secretNamePrefix)) {
      fail(
        this.node.path,
        `secretNamePrefix "${props.secretNamePrefix}" has characters a secret name cannot hold; use letters, digits and /_+=.@-`,
      );
    }

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.encryptionKey =
      props.encryptionKey ??
      customerManagedKey(this, 'Key', {
        description: `Encrypts the model provider API keys of ${this.node.path}`,
        removalPolicy,
      });

    const created: Record<string, secretsmanager.Secret> = {};
    for (const credential of props.credentials) {
      const secret = new secretsmanager.Secret(this, `Credential-${credential}`, {
        secretName: props.secretNamePrefix !== undefined ? `${props.secretNamePrefix}${credential}` : undefined,
        description: `API key of the "${credential}" model provider credential (JSON {"apiKey": "..."})`,
        encryptionKey: this.encryptionKey,
        // The marker is public text, not a secret: see UNSET_CREDENTIAL_SECRET_STRING.
        secretStringValue: SecretValue.unsafePlainText(UNSET_CREDENTIAL_SECRET_STRING),
        removalPolicy,
      });
      Tags.of(secret).add(CREDENTIAL_TAG, credential);
      const rotation = props.rotations?.[credential];
      if (rotation) {
        secret.addRotationSchedule('Rotation', {
          rotationLambda: rotation.function,
          automaticallyAfter: rotation.every ?? Duration.days(30),
          // A fresh secret holds the marker: there is no key to rotate until an operator sets one.
          rotateImmediatelyOnUpdate: false,
        });
      } else {
        acknowledgeRules(
          secret,
          ['AwsSolutions-SMG4', 'NIST.800.53.R5-SecretsManagerRotationEnabled'],
          'A third-party model provider API key (OpenAI, Anthropic) is issued by the provider, not by AWS: no ' +
            'hosted rotation exists. ProviderSecrets takes a rotation function per credential (`rotations`) for ' +
            'providers with an admin API, and raises an EventBridge event on every change (onCredentialChange).',
        );
      }
      created[credential] = secret;
    }
    this.createdSecrets = created;
    Object.assign(this.secrets, created, existing);
  }
}

class ImportedProviderSecrets extends ProviderSecretsBase {
  constructor(scope: Construct, id: string, attrs: ProviderSecretsAttributes) {
    super(scope, id);
    const names = Object.keys(attrs.secrets);
    if (names.length === 0) fail(this.node.path, 'fromProviderSecretsAttributes needs at least one secret');
    checkCredentialNames(this.node.path, names, 'credential');
    for (const [name, secret] of Object.entries(attrs.secrets)) {
      this.secrets[name] = typeof secret === 'string' ? importByArn(this, name, secret, attrs.encryptionKey) : secret;
    }
  }
}

function importByArn(scope: Construct, name: string, arn: string, key?: kms.IKey): secretsmanager.ISecret {
  if (!COMPLETE_SECRET_ARN.test(arn)) {
    fail(
      scope.node.path,
      `the secret of credential "${name}" is "${arn}", which is not a complete secret ARN; give the ARN ending ` +
        'in the 6-character suffix (aws secretsmanager describe-secret --secret-id NAME --query ARN)',
    );
  }
  return secretsmanager.Secret.fromSecretAttributes(scope, `Credential-${name}`, {
    secretCompleteArn: arn,
    encryptionKey: key,
  });
}
