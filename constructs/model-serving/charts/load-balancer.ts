import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { InternalLoadBalancerProps } from './server-props';
import { ServingPropsError } from './validate';

/** What the internal load balancer Service fronts: one workload's OpenAI-compatible port. */
export interface LoadBalancedPort {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly port: number;
  readonly healthPath: string;
}

/**
 * A LoadBalancer Service the AWS Load Balancer Controller turns into an internal NLB with pod (IP)
 * targets, behind the given security groups only.
 */
export function internalLoadBalancer(
  scope: Construct,
  target: LoadBalancedPort,
  lb: InternalLoadBalancerProps,
): ApiObject {
  const { name, labels, port, healthPath } = target;
  if (lb.securityGroupIds.length === 0) {
    throw new ServingPropsError(
      name,
      'loadBalancer.securityGroupIds is empty; give the security group that admits the gateway, so that nothing else can connect',
    );
  }
  const annotations: Record<string, string> = {
    'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
    'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
    'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
    'service.beta.kubernetes.io/aws-load-balancer-security-groups': lb.securityGroupIds.join(','),
    'service.beta.kubernetes.io/aws-load-balancer-manage-backend-security-group-rules': 'true',
    'service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled': 'true',
    'service.beta.kubernetes.io/aws-load-balancer-healthcheck-path': healthPath,
    'service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol': 'http',
  };
  if (lb.subnetIds?.length) {
    annotations['service.beta.kubernetes.io/aws-load-balancer-subnets'] = lb.subnetIds.join(',');
  }
  return new ApiObject(scope, 'LoadBalancer', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `${name}-internal`, labels, annotations },
    spec: {
      type: 'LoadBalancer',
      loadBalancerClass: 'service.k8s.aws/nlb',
      selector: { 'app.kubernetes.io/instance': name },
      ports: [{ name: 'openai', port, targetPort: port, protocol: 'TCP' }],
    },
  });
}
