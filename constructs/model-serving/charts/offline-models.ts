import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { ServingPropsError } from './validate';

/** Where the model bucket is mounted in every replica (read-only, shared by all of them). */
export const MODEL_MOUNT_PATH = '/models';

/**
 * A Hugging Face token kept in AWS Secrets Manager and synced into the namespace by External Secrets
 * (an `ExternalSecret` per workload): the template holds the secret's name, never its value.
 */
export interface HuggingFaceToken {
  /** Name or ARN of the Secrets Manager secret. */
  readonly secretsManagerSecret: string;
  /**
   * The JSON key holding the token, when the secret is a JSON object.
   * @default - the secret's whole value is the token
   */
  readonly property?: string;
  /**
   * The External Secrets `ClusterSecretStore` that reads Secrets Manager.
   * @default 'aws-secrets-manager'
   */
  readonly secretStore?: string;
}

/** The gateway's recorded demand for a deployment (lambda/contract/serving-demand.ts), in Redis. */
export interface ServingDemandSignal {
  /** The workload's deployment id in the gateway config (`vllm-<name>`, `triton-<name>`). */
  readonly deploymentId: string;
  /** The gateway's Redis, `host:port`. */
  readonly redisAddress: string;
  /** @default true (ElastiCache requires TLS) */
  readonly enableTls?: boolean;
  /**
   * The KEDA `TriggerAuthentication` (in the workload's namespace) that gives the scaler its Redis
   * username and password.
   * @default - none (a Redis without authentication, as in tests)
   */
  readonly authenticationRef?: string;
  /** The gateway's Redis key prefix. @default 'llmgw:' */
  readonly redisPrefix?: string;
}

const HUB_REPOSITORY = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/**
 * Where a model or tokenizer comes from: a key prefix in the model bucket (read from the shared
 * mount, offline), or a Hugging Face repository, which a pod may only fetch with a token. Refuses,
 * naming both fixes, a repository without a token, and a bucket prefix without the bucket mount.
 */
export function modelPathOf(options: {
  readonly workload: string;
  /** The field that names it, for the error. */
  readonly field: string;
  readonly bucketField: string;
  readonly bucketPrefix?: string;
  readonly hubRepository?: string;
  readonly bucketMounted: boolean;
  readonly token?: HuggingFaceToken;
}): { readonly path: string; readonly fromHub: boolean } {
  const { workload, bucketPrefix, hubRepository } = options;
  if (bucketPrefix !== undefined) {
    if (!options.bucketMounted) {
      throw new ServingPropsError(
        workload,
        `${options.bucketField} is "${bucketPrefix}" but no model bucket is mounted; give the charts' modelBucket`,
      );
    }
    return { path: `${MODEL_MOUNT_PATH}/${withoutEdgeSlashes(bucketPrefix)}`, fromHub: false };
  }
  if (hubRepository && HUB_REPOSITORY.test(hubRepository) && !options.token) {
    throw new ServingPropsError(
      workload,
      `${options.field} names the Hugging Face repository "${hubRepository}", which a replica cannot fetch offline ` +
        `(and gated ones not at all without a token). Either copy it into the model bucket and set ${options.bucketField} ` +
        "to its prefix, or give huggingFaceToken (a Secrets Manager secret, synced by External Secrets; never the token's value)",
    );
  }
  return { path: hubRepository ?? '', fromHub: Boolean(hubRepository && HUB_REPOSITORY.test(hubRepository)) };
}

/** The Kubernetes Secret External Secrets writes for a workload's Hugging Face token. */
export const hubTokenSecretName = (workload: string) => `${workload}-hf-token`;
const HUB_TOKEN_KEY = 'token';

/** The `ExternalSecret` that syncs the token from Secrets Manager into the workload's namespace. */
export function hubTokenExternalSecret(scope: Construct, workload: string, token: HuggingFaceToken): ApiObject {
  return new ApiObject(scope, 'HubToken', {
    apiVersion: 'external-secrets.io/v1beta1',
    kind: 'ExternalSecret',
    metadata: { name: hubTokenSecretName(workload) },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: token.secretStore ?? 'aws-secrets-manager' },
      target: { name: hubTokenSecretName(workload), creationPolicy: 'Owner' },
      data: [
        {
          secretKey: HUB_TOKEN_KEY,
          remoteRef: {
            key: token.secretsManagerSecret,
            ...(token.property ? { property: token.property } : {}),
          },
        },
      ],
    },
  });
}

/** The environment that keeps a replica offline, or lets it reach the Hub with its token. */
export function hubEnvironment(
  workload: string,
  fromHub: boolean,
): {
  readonly values: Record<string, string>;
  readonly secretToken?: { readonly secretName: string; readonly key: string };
} {
  if (!fromHub) return { values: { HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' } };
  return { values: {}, secretToken: { secretName: hubTokenSecretName(workload), key: HUB_TOKEN_KEY } };
}

/**
 * The prefix without leading or trailing slashes, in one pass: `/\/+$/` backtracks quadratically on
 * a long run of slashes that is not at the end (test/security/redos.test.ts).
 */
function withoutEdgeSlashes(prefix: string): string {
  let start = 0;
  let end = prefix.length;
  while (start < end && prefix[start] === '/') start += 1;
  while (end > start && prefix[end - 1] === '/') end -= 1;
  return prefix.slice(start, end);
}
