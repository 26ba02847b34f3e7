import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * What a reader of the secret's value needs, and nothing else: `secretsmanager:GetSecretValue` (CDK's
 * `secret.grantRead` adds DescribeSecret, which no handler calls; test/security/permissions.test.ts
 * checks every grant against the calls), and decryption of its key through Secrets Manager. CDK grants
 * a key it created through the key's own policy; for an imported key, whose policy it cannot change
 * and where it drops the grant silently, the reader's policy gets it instead. (The key's policy must
 * still delegate to IAM, as the default key policy does.)
 */
export function grantSecretRead(secret: secretsmanager.ISecret, grantee: iam.IGrantable): iam.Grant {
  const grant = iam.Grant.addToPrincipalOrResource({
    grantee,
    actions: ['secretsmanager:GetSecretValue'],
    // A secret known by a partial ARN (imported by name) gets Secrets Manager's six-character suffix.
    resourceArns: [secret.secretFullArn ?? `${secret.secretArn}-??????`],
    resource: secret,
  });
  const key = secret.encryptionKey;
  const viaSecretsManager = `secretsmanager.${Stack.of(secret).region}.amazonaws.com`;
  key?.grantDecrypt(new kms.ViaServicePrincipal(viaSecretsManager, grantee.grantPrincipal));
  if (key && !(key instanceof kms.Key)) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': viaSecretsManager } },
      }),
    );
  }
  return grant;
}
