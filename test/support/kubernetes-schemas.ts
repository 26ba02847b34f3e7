/**
 * Offline validation of Kubernetes objects against the API's JSON schemas (kubernetes-models,
 * generated from the Kubernetes OpenAPI spec) and KEDA's CRD schemas (@kubernetes-models/keda,
 * generated from KEDA's CRDs). Types, required fields, enums and formats (quantities,
 * int-or-string) are checked, and External Secrets' (@kubernetes-models/external-secrets); like the API server's schemas these do not forbid unknown fields.
 * Karpenter's kinds (`karpenter.sh/v1`, the NodePool API EKS Auto Mode serves) are checked by
 * @kubernetes-models/karpenter, generated from Karpenter's CRDs: it is ESM-only (jest here loads
 * CommonJS), so a child Node process imports it and validates. It declares Node >= 22 but loads and
 * validates on the Node 20 this project supports (tested: it catches a missing nodeClassRef).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
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

const KARPENTER_KINDS: Record<string, readonly string[]> = { 'karpenter.sh/v1': ['NodePool', 'NodeClaim'] };
const KARPENTER_CHECK = `
let input = '';
for await (const chunk of process.stdin) input += chunk;
const { apiVersion, kind, ...rest } = JSON.parse(input);
const models = await import('@kubernetes-models/karpenter/' + apiVersion);
try { new models[kind](rest).validate(); console.log('[]'); }
catch (error) { console.log(JSON.stringify([error.message])); }
`;

/** Errors of a Karpenter object, from its CRD's schema in a child process (see the file comment). */
function karpenterSchemaErrors(manifest: KubernetesObject, where: string): string[] {
  const errors = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', KARPENTER_CHECK], {
      cwd: path.resolve(__dirname, '..', '..'),
      input: JSON.stringify(manifest),
      encoding: 'utf8',
    }),
  ) as string[];
  return errors.map((error) => `${where}: ${error}`);
}

/** The schema errors of one object; an object whose kind has no schema here is an error too. */
export function schemaErrors(manifest: KubernetesObject): string[] {
  const { apiVersion, kind, ...rest } = manifest;
  if (KARPENTER_KINDS[String(apiVersion)]?.includes(String(kind))) {
    return karpenterSchemaErrors(
      manifest,
      `${String(apiVersion)} ${String(kind)} ${JSON.stringify((rest.metadata as { name?: string })?.name)}`,
    );
  }
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
