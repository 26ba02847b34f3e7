import * as pulumi from '@pulumi/pulumi';
import { servingChartsPropsFromSpec } from '../constructs/model-serving/charts';
import { ServingDeployment } from './serving';

/**
 * The Pulumi program: the serving workloads onto an existing cluster.
 *
 *   pulumi config set --secret kubeconfig "$(cat ~/.kube/config)"
 *   pulumi config set --path serving ... (or edit Pulumi.<stack>.yaml; see README)
 *   pulumi up
 */
const config = new pulumi.Config();
const serving = new ServingDeployment('serving', {
  kubeconfig: config.requireSecret('kubeconfig'),
  serving: servingChartsPropsFromSpec(config.requireObject('serving')),
});

export const workloads = Object.keys(serving.workloads);
