import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';

/**
 * The model providers' credentials, one Secrets Manager secret per credential name (the names the
 * gateway's model config uses in `deployments.*.credential`, e.g. `openai`, `anthropic`).
 */
export interface IProviderSecrets extends IConstruct {
  /** Every credential name this set holds. */
  readonly credentialNames: readonly string[];
  /** The secret of one credential; throws, naming the known credentials, when there is none by that name. */
  secretFor(credential: string): secretsmanager.ISecret;
  /**
   * Lets `grantee` read exactly the named credentials' secrets (and decrypt them).
   * @param credentials the credential names to grant; every one must exist.
   */
  grantRead(grantee: iam.IGrantable, credentials: readonly string[]): iam.Grant[];
}
