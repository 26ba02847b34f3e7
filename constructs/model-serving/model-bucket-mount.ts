import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { podIdentityRole } from './cluster-addons';

/** Mountpoint's CSI driver add-on and the service account its node pods read S3 as. */
const ADDON = 'aws-mountpoint-s3-csi-driver';
const DRIVER_SERVICE_ACCOUNT = 's3-csi-driver-sa';

/**
 * The Mountpoint for Amazon S3 CSI driver (an EKS add-on) with read-only access to the model bucket:
 * every replica mounts the bucket (`charts/shared-mounts.ts`) and reads its weights straight from S3,
 * so a scale-out copies nothing and the bucket stays the one place a model lives. Its role (EKS Pod
 * Identity) may list the bucket and read its objects, nothing else.
 */
export function addModelBucketMount(
  scope: Construct,
  cluster: eks.Cluster,
  agent: eks.Addon,
  bucket: s3.IBucket,
): { readonly addon: eks.Addon; readonly role: iam.IRole } {
  const role = podIdentityRole(scope, 'ModelBucketReader', {
    cluster,
    agent,
    namespace: 'kube-system',
    serviceAccount: DRIVER_SERVICE_ACCOUNT,
    description: 'Mountpoint for Amazon S3 CSI driver: reads the model bucket (read-only) for the model servers',
    statements: [
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')] }),
      ...(bucket.encryptionKey
        ? [new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [bucket.encryptionKey.keyArn] })]
        : []),
    ],
  });
  const addon = new eks.Addon(scope, 'MountpointS3', { cluster, addonName: ADDON });
  addon.node.addDependency(role);
  return { addon, role };
}
