/**
 * Pulumi's mocks and the stack config, set before the program is imported (the program reads its
 * config when it loads). Nothing here needs the Pulumi CLI or a cluster.
 */
import * as pulumi from '@pulumi/pulumi';
import type { ServingSpec } from '../../constructs/model-serving/charts';

/** Every resource the program registers, as the Pulumi engine would receive it (no CLI, no cluster). */
export const registered: pulumi.runtime.MockResourceArgs[] = [];
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push(args);
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: (args) => args.inputs,
  },
  'llm-serving',
  'test',
  false,
);

export const SPEC: ServingSpec = {
  prometheusServerAddress: 'http://prometheus.monitoring.svc:9090',
  serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/model-server' },
  loadBalancer: { securityGroupIds: ['sg-0abc'] },
  modelBucket: { bucketName: 'models', region: 'us-west-2' },
  vllm: [
    {
      name: 'llama',
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      gpusPerNode: 1,
      startupTimeoutMinutes: 45,
      memoryGiB: 14,
      modelPrefix: 'llama/',
      autoscaling: { minReplicas: 1, maxReplicas: 3 },
    },
  ],
  triton: [
    {
      name: 'triton-llama',
      model: 'llama',
      tokenizerPrefix: 'tokenizers/llama/',
      gpusPerNode: 1,
      modelRepositoryPrefix: 'triton/',
    },
  ],
};

export const KUBECONFIG = 'apiVersion: v1\nkind: Config\nclusters: []\n';
pulumi.runtime.setAllConfig({ 'llm-serving:kubeconfig': KUBECONFIG, 'llm-serving:serving': JSON.stringify(SPEC) }, [
  'llm-serving:kubeconfig',
]);
