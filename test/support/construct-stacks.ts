import { Stack, type App } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as path from 'node:path';
import type { GatewayConfigInput } from '../../lambda/contract/config/gateway-config';
import { testApp } from './platform-app';

/**
 * What the construct tests share: a fresh stack in a fresh app (the way an importing team starts),
 * an existing VPC given by its attributes, and a gateway config that uses every kind of wiring.
 */
export function freshStack(app: App = testApp(), id = 'Importer'): Stack {
  return new Stack(app, id, { env: { region: 'us-east-1' } });
}

/** A VPC the importing team already has: public (0aa*), private (0bb*) and isolated (0cc*) subnets. */
export function existingVpc(stack: Stack): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, 'ExistingVpc', {
    vpcId: 'vpc-0123456789abcdef0',
    vpcCidrBlock: '172.16.0.0/16',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    publicSubnetIds: ['subnet-0aaa', 'subnet-0aab'],
    publicSubnetRouteTableIds: ['rtb-0aaa', 'rtb-0aab'],
    privateSubnetIds: ['subnet-0bba', 'subnet-0bbb'],
    privateSubnetRouteTableIds: ['rtb-0bba', 'rtb-0bbb'],
    isolatedSubnetIds: ['subnet-0cca', 'subnet-0ccb'],
    isolatedSubnetRouteTableIds: ['rtb-0cca', 'rtb-0ccb'],
  });
}

/** OpenAI with a credential, Bedrock by model id and by inference profile, a self-hosted vLLM. */
export function fullGatewayConfig(): GatewayConfigInput {
  return {
    models: {
      chat: { deployments: ['openai', 'nova', 'claude'], aliases: ['gpt-4o-mini'] },
      local: { deployments: ['vllm'] },
    },
    deployments: {
      openai: {
        provider: 'openai',
        model: 'gpt-4o-mini',
        baseUrl: 'https://api.openai.com/v1',
        credential: 'openai',
        pricing: { input: 150_000, output: 600_000 },
      },
      nova: {
        provider: 'bedrock',
        model: 'amazon.nova-lite-v1:0',
        region: 'us-east-1',
        pricing: { input: 60_000, output: 240_000 },
      },
      claude: {
        provider: 'bedrock',
        model: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
        region: 'us-west-2',
        pricing: { input: 1_000_000, output: 5_000_000 },
      },
      vllm: {
        provider: 'openai-compatible',
        model: 'meta-llama/Llama-3.1-8B-Instruct',
        baseUrl: 'http://vllm.internal:8000/v1',
        pricing: { input: 0, output: 0 },
      },
    },
    exactCache: { ttlSeconds: 600 },
    semanticCache: { threshold: 0.9 },
    limits: { maxBodyBytes: 2 * 1024 * 1024 },
  };
}

/** Where the assembly staged a function's code (or a layer's content), after synthesis. */
export function stagedAssetDir(app: App, resource: lambda.CfnFunction | lambda.CfnLayerVersion): string {
  const code = Stack.of(resource).resolve('code' in resource ? resource.code : resource.content) as { s3Key?: string };
  const hash = /^([0-9a-f]{64})\.zip$/.exec(code.s3Key ?? '')?.[1];
  if (!hash) throw new Error(`${resource.node.path} has no file asset`);
  return path.join(app.outdir, `asset.${hash}`);
}
