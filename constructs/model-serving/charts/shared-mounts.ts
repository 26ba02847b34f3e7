import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';

/** The model bucket, mounted read-only in every replica through the Mountpoint for Amazon S3 CSI driver. */
export interface ModelBucketMount {
  readonly bucketName: string;
  /** The bucket's region (the driver's pods have no instance metadata: IMDS hop limit 1). */
  readonly region: string;
}

/** The claim every workload mounts at `/models`. */
export const MODEL_BUCKET_CLAIM = 'model-bucket';
/** Mountpoint's CSI driver (the `aws-mountpoint-s3-csi-driver` EKS add-on). */
export const MOUNTPOINT_CSI_DRIVER = 's3.csi.aws.com';

/**
 * A statically provisioned PersistentVolume of the whole model bucket and its claim. ReadOnlyMany
 * and Mountpoint's `read-only`: replicas on any node read the same objects, nobody writes. Each
 * replica streams its weights from S3 into GPU memory as it loads; nothing is copied to local disk
 * first, so a new replica (or a new node) downloads nothing before it starts.
 */
export function modelBucketVolume(scope: Construct, namespace: string, bucket: ModelBucketMount): void {
  const volumeName = `${namespace}-model-bucket`;
  new ApiObject(scope, 'ModelBucketVolume', {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: volumeName, labels: { 'app.kubernetes.io/part-of': 'llm-platform' } },
    spec: {
      // Required by the API, ignored by Mountpoint: a bucket has no size.
      capacity: { storage: '1200Gi' },
      accessModes: ['ReadOnlyMany'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: '',
      claimRef: { namespace, name: MODEL_BUCKET_CLAIM },
      mountOptions: ['read-only', 'allow-other', `region ${bucket.region}`],
      csi: {
        driver: MOUNTPOINT_CSI_DRIVER,
        volumeHandle: `${volumeName}-${bucket.bucketName}`,
        volumeAttributes: { bucketName: bucket.bucketName },
      },
    },
  });
  new ApiObject(scope, 'ModelBucketClaim', {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: MODEL_BUCKET_CLAIM, namespace, labels: { 'app.kubernetes.io/part-of': 'llm-platform' } },
    spec: {
      accessModes: ['ReadOnlyMany'],
      storageClassName: '',
      volumeName,
      resources: { requests: { storage: '1200Gi' } },
    },
  });
}

/** The Redis user KEDA reads the demand signal as, from a Secrets Manager secret `{ username, password }`. */
export interface DemandSignalCredentials {
  /** Name or ARN of the secret (the gateway cache user's password secret). */
  readonly secretsManagerSecret: string;
  /** @default 'aws-secrets-manager' */
  readonly secretStore?: string;
}

/** The TriggerAuthentication the demand triggers name. */
export const DEMAND_AUTHENTICATION = 'gateway-redis';

/**
 * The demand trigger's Redis credentials: External Secrets copies the username and password from
 * Secrets Manager into a Kubernetes Secret, which the TriggerAuthentication hands to KEDA.
 */
export function demandSignalAuthentication(
  scope: Construct,
  namespace: string,
  credentials: DemandSignalCredentials,
): void {
  const secretName = `${DEMAND_AUTHENTICATION}-auth`;
  new ApiObject(scope, 'DemandSignalSecret', {
    apiVersion: 'external-secrets.io/v1beta1',
    kind: 'ExternalSecret',
    metadata: { name: secretName, namespace },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: credentials.secretStore ?? 'aws-secrets-manager' },
      target: { name: secretName, creationPolicy: 'Owner' },
      data: ['username', 'password'].map((key) => ({
        secretKey: key,
        remoteRef: { key: credentials.secretsManagerSecret, property: key },
      })),
    },
  });
  new ApiObject(scope, 'DemandSignalAuthentication', {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'TriggerAuthentication',
    metadata: { name: DEMAND_AUTHENTICATION, namespace },
    spec: {
      secretTargetRef: ['username', 'password'].map((key) => ({ parameter: key, name: secretName, key })),
    },
  });
}
