/**
 * Offline validation of Kubernetes objects against the API's JSON schemas (kubernetes-models,
 * generated from the Kubernetes OpenAPI spec) and KEDA's CRD schemas (@kubernetes-models/keda,
 * generated from KEDA's CRDs). Types, required fields, enums and formats (quantities,
 * int-or-string) are checked, and External Secrets' (@kubernetes-models/external-secrets); like the API server's schemas these do not forbid unknown fields.
 */
import * as externalSecrets from '@kubernetes-models/external-secrets/external-secrets.io/v1beta1';
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';
import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as rbac from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as core from 'kubernetes-models/v1';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: Record<string, unknown>) => Validatable;

const GROUPS: Record<string, Record<string, unknown>> = {
  v1: core,
  'apps/v1': apps,
  'autoscaling/v2': autoscaling,
  'networking.k8s.io/v1': networking,
  'policy/v1': policy,
  'rbac.authorization.k8s.io/v1': rbac,
  'keda.sh/v1alpha1': keda,
  'external-secrets.io/v1beta1': externalSecrets,
};

export interface KubernetesObject {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  readonly [key: string]: unknown;
}

/** The schema errors of one object; an object whose kind has no schema here is an error too. */
export function schemaErrors(manifest: KubernetesObject): string[] {
  const { apiVersion, kind, ...rest } = manifest;
  const where = `${String(apiVersion)} ${String(kind)} ${JSON.stringify((rest.metadata as { name?: string })?.name)}`;
  const model = GROUPS[String(apiVersion)]?.[String(kind)] as ModelClass | undefined;
  if (!model) return [`${where}: no schema for this kind (known groups: ${Object.keys(GROUPS).join(', ')})`];
  try {
    new model(rest).validate();
    return [];
  } catch (error) {
    return [`${where}: ${(error as Error).message}`];
  }
}

/** Every error of every object, one line each. */
export function manifestSchemaErrors(manifests: readonly KubernetesObject[]): string[] {
  return manifests.flatMap(schemaErrors);
}
