import { Token } from 'aws-cdk-lib';
import { GATEWAY_ENV } from '../../lambda/contract/environment';
import type { IVectorStore } from '../vector-store/vector-store-interface';
import { RDS_CA_ENVIRONMENT } from './platform-function';

/**
 * How a function finds the platform's database (names in GATEWAY_ENV, read by `vectorDbFromEnv`):
 * the writer endpoint, the database, the ARN of the login secret (never the login), and the RDS
 * certificate authorities for verified TLS.
 */
export function vectorStoreEnvironment(store: IVectorStore): Record<string, string> {
  return {
    ...RDS_CA_ENVIRONMENT,
    [GATEWAY_ENV.vectorDbHost]: store.endpointAddress,
    [GATEWAY_ENV.vectorDbPort]: Token.isUnresolved(store.port) ? Token.asString(store.port) : String(store.port),
    [GATEWAY_ENV.vectorDbName]: store.databaseName,
    [GATEWAY_ENV.vectorDbSecretArn]: store.secret.secretArn,
  };
}
