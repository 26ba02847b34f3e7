import type * as rds from 'aws-cdk-lib/aws-rds';
import { chunkIndexType } from '../../lambda/contract/vector-schema/embedding-migrations';
import type { PropsCheck } from '../shared/validation';
import { DEFAULT_VECTOR_STORE_ENGINE, MINIMUM_PGVECTOR_08_VERSIONS, type VectorStoreProps } from './vector-store-props';

/** The props with their defaults applied, as the checks read them. */
export interface ResolvedVectorStoreProps {
  readonly engineVersion: rds.AuroraPostgresEngineVersion;
  readonly highAvailability: boolean;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly dimensions: number;
  readonly port: number;
  readonly databaseName: string;
  readonly applicationRole: string;
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  return x[0] - y[0] || (x[1] ?? 0) - (y[1] ?? 0);
}

/** Records on `check` every problem of a vector store's props, each with what to do. */
export function checkVectorStoreProps(
  check: PropsCheck,
  props: VectorStoreProps,
  resolved: ResolvedVectorStoreProps,
): void {
  const { engineVersion, highAvailability, minCapacity, maxCapacity, dimensions, port } = resolved;
  const full = engineVersion.auroraPostgresFullVersion;
  const minimum = MINIMUM_PGVECTOR_08_VERSIONS[engineVersion.auroraPostgresMajorVersion];
  check.expect(
    minimum !== undefined && compareVersions(full, minimum) >= 0,
    () =>
      `engineVersion is Aurora PostgreSQL ${full}, whose pgvector is older than 0.8; use ${
        minimum ?? Object.values(MINIMUM_PGVECTOR_08_VERSIONS).join(', ')
      } or later (the default is ${DEFAULT_VECTOR_STORE_ENGINE.auroraPostgresFullVersion})`,
  );
  const halfSteps = (n: number) => Number.isInteger(n * 2);
  check.expect(
    halfSteps(minCapacity) && minCapacity >= 0 && minCapacity <= 256,
    `minCapacity is ${minCapacity}; give 0 to 256 ACUs in steps of 0.5`,
  );
  check.expect(
    halfSteps(maxCapacity) && maxCapacity >= 1 && maxCapacity <= 256 && maxCapacity >= minCapacity,
    `maxCapacity is ${maxCapacity}; give 1 to 256 ACUs in steps of 0.5, no less than minCapacity (${minCapacity})`,
  );
  check.expect(
    !highAvailability || minCapacity !== 0,
    'minCapacity is 0 for a highly available store: a paused cluster takes seconds to answer. Give at least 0.5, or set highAvailability to false',
  );
  if (props.autoPause !== undefined) {
    const seconds = props.autoPause.toSeconds();
    check.expect(
      minCapacity === 0,
      `autoPause applies only when minCapacity is 0 (it is ${minCapacity}); remove autoPause`,
    );
    check.expect(seconds >= 300 && seconds <= 86_400, `autoPause is ${seconds} seconds; give 5 minutes to 1 day`);
  }
  check.expect(
    Number.isInteger(dimensions) && dimensions >= 1 && dimensions <= 2000,
    `dimensions is ${dimensions}; HNSW indexes take 1 to 2000 dimensions (the built-in embedder has 256)`,
  );
  for (const size of props.embeddingDimensions ?? []) {
    try {
      chunkIndexType(size);
    } catch (error) {
      check.add(`embeddingDimensions holds ${size}: ${(error as Error).message}`);
    }
  }
  check.expect(
    Number.isInteger(port) && port >= 1150 && port <= 65535 && port !== 5432,
    `port is ${port}; give a port from 1150 to 65535 other than PostgreSQL's default 5432 (for example 5433)`,
  );
  checkNames(check, resolved);
  const retention = props.backupRetention?.toDays();
  check.expect(
    retention === undefined || (Number.isInteger(retention) && retention >= 1 && retention <= 35),
    `backupRetention is ${retention} days; keep backups for 1 to 35 whole days`,
  );
  check.expect(
    !(props.deletionProtection === false && highAvailability),
    'deletionProtection is false for a highly available store; remove it (production data is protected), or set highAvailability to false',
  );
}

function checkNames(check: PropsCheck, { databaseName, applicationRole }: ResolvedVectorStoreProps): void {
  check.expect(
    /^[a-z][a-z0-9_]{0,62}$/.test(databaseName),
    `databaseName is "${databaseName}"; use lower-case letters, digits and underscores, starting with a letter`,
  );
  check.expect(
    /^[a-z][a-z0-9_]{0,54}$/.test(applicationRole) && !['llm_admin', 'postgres', 'rdsadmin'].includes(applicationRole),
    `applicationRole is "${applicationRole}"; use up to 55 lower-case letters, digits and underscores, and not a reserved or admin user name`,
  );
}
