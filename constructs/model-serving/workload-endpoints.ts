import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct, IConstruct } from 'constructs';
import type { TritonChart, VllmChart } from './charts';

/** How the gateway reaches one workload: its deployment id, served model and private address. */
export interface WorkloadEndpoint {
  readonly id: string;
  readonly model: string;
  readonly host: string;
  readonly port: number;
  readonly server: 'vllm' | 'triton';
  /** The workload may be at zero replicas: the gateway records demand when it gives up on it. */
  readonly scalesToZero: boolean;
}

export interface WorkloadEndpointsProps {
  readonly cluster: eks.Cluster;
  readonly namespace: string;
  readonly zone: route53.IPrivateHostedZone;
  readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  readonly vpcCidr: string;
  /** What each workload's manifest waits for (the namespace, KEDA, the load balancer controller). */
  readonly after: readonly IConstruct[];
}

/**
 * Applies each workload's chart and, for one behind a load balancer, reads back the NLB's DNS name
 * and gives it a stable private name: the endpoint the gateway's deployment entry points at.
 */
export function addWorkloads(
  scope: Construct,
  charts: { readonly vllm: readonly VllmChart[]; readonly triton: readonly TritonChart[] },
  props: WorkloadEndpointsProps,
): WorkloadEndpoint[] {
  const workloads = [
    ...charts.vllm.map((chart) => ({ chart, server: 'vllm' as const })),
    ...charts.triton.map((chart) => ({ chart, server: 'triton' as const })),
  ];
  const endpoints: WorkloadEndpoint[] = [];
  for (const { chart, server } of workloads) {
    const name = chart.server.deployment.name;
    const manifest = props.cluster.addCdk8sChart(`Workload-${name}`, chart);
    manifest.node.addDependency(...props.after);
    props.loadBalancerSecurityGroup.addEgressRule(
      ec2.Peer.ipv4(props.vpcCidr),
      ec2.Port.tcp(chart.port),
      `To ${name} pods`,
    );
    if (!chart.server.loadBalancerService) continue;
    const address = new eks.KubernetesObjectValue(scope, `Address-${name}`, {
      cluster: props.cluster,
      objectType: 'service',
      objectName: chart.server.loadBalancerService.name,
      objectNamespace: props.namespace,
      jsonPath: '.status.loadBalancer.ingress[0].hostname',
      timeout: Duration.minutes(10),
    });
    address.node.addDependency(manifest);
    new route53.CnameRecord(scope, `Dns-${name}`, {
      zone: props.zone,
      recordName: name,
      domainName: address.value,
      ttl: Duration.minutes(1),
    });
    endpoints.push({
      id: `${server}-${name}`,
      model: chart.servedModelName,
      host: `${name}.${props.zone.zoneName}`,
      port: chart.port,
      server,
      scalesToZero: chart.server.minReplicas === 0,
    });
  }
  return endpoints;
}
