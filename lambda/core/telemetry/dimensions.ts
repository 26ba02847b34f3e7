import { OTHER_FEATURE, UNTAGGED_FEATURE } from '../../contract/metrics';
import { METRICS_DIMENSION_ENV } from '../../contract/environment';

/**
 * Which tenant and feature values may become metric dimensions. Each distinct value is a billed
 * custom metric per metric and dimension set, and both come from requests, so neither may grow with
 * traffic:
 *
 * - Tenants: only the tenants listed (typically those with their own spend guardrails). Others
 *   are not written per tenant at all; every tenant is in the trace log lines.
 * - Features: the listed ones always, and other features as they come up to `maxFeatures`
 *   distinct values per instance; the rest are counted as `other`.
 */
export interface DimensionPolicySettings {
  /** Tenants written as the `Tenant` dimension. @default none */
  readonly tenants?: readonly string[];
  /** Features always written as the `Feature` dimension (those with spend guardrails). @default none */
  readonly features?: readonly string[];
  /** How many other distinct features one instance writes before counting the rest as `other`. @default 25 */
  readonly maxFeatures?: number;
}

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

/** Reads the policy from `LLM_METRICS_TENANTS`, `LLM_METRICS_FEATURES` (comma lists) and `LLM_METRICS_MAX_FEATURES`. */
export function dimensionPolicyFromEnv(env: Readonly<Record<string, string | undefined>>): DimensionPolicySettings {
  const max = env[METRICS_DIMENSION_ENV.maxFeatures];
  if (max !== undefined && !/^\d+$/.test(max.trim())) {
    throw new Error(
      `${METRICS_DIMENSION_ENV.maxFeatures} is "${max}": it must be a whole number of distinct features (e.g. 25).`,
    );
  }
  return {
    tenants: list(env[METRICS_DIMENSION_ENV.tenants]),
    features: list(env[METRICS_DIMENSION_ENV.features]),
    maxFeatures: max === undefined ? undefined : Number(max),
  };
}

export class DimensionPolicy {
  private readonly tenants: ReadonlySet<string>;
  private readonly listedFeatures: ReadonlySet<string>;
  private readonly seenFeatures = new Set<string>();
  private readonly maxFeatures: number;

  constructor(settings: DimensionPolicySettings = {}) {
    this.tenants = new Set(settings.tenants ?? []);
    this.listedFeatures = new Set(settings.features ?? []);
    this.maxFeatures = settings.maxFeatures ?? 25;
  }

  /** The `Tenant` dimension value, or undefined when this tenant is not written per tenant. */
  tenant(tenant: string | undefined): string | undefined {
    return tenant !== undefined && this.tenants.has(tenant) ? tenant : undefined;
  }

  /** The `Feature` dimension value: the feature, `untagged`, or `other` once over the cap. */
  feature(feature: string | undefined): string {
    if (!feature) return UNTAGGED_FEATURE;
    if (this.listedFeatures.has(feature) || this.seenFeatures.has(feature)) return feature;
    if (this.seenFeatures.size >= this.maxFeatures) return OTHER_FEATURE;
    this.seenFeatures.add(feature);
    return feature;
  }
}
