import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * `secret.grantRead`, plus decryption when the secret's key is an imported one. CDK grants a
 * secret's key through the key's own policy, which it cannot change for a key it did not create,
 * and then drops the grant silently; here the reader's policy gets it instead, usable only through
 * Secrets Manager. (The key's policy must still delegate to IAM, as the default key policy does.)
 */
export function grantSecretRead(secret: secretsmanager.ISecret, grantee: iam.IGrantable): iam.Grant {
  const grant = secret.grantRead(grantee);
  const key = secret.encryptionKey;
  if (key && !(key instanceof kms.Key)) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(secret).region}.amazonaws.com` } },
      }),
    );
  }
  return grant;
}
