/**
 * Prints the size of each function bundle exactly as the constructs build it: synthesizes an
 * LlmGateway and a GatewayApi into a scratch assembly and measures the staged index.js files.
 *
 *   npm run bundle:size
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GatewayApi, LlmGateway } from '../constructs';

const outdir = mkdtempSync(path.join(tmpdir(), 'bundle-size-'));
try {
  const app = new App({ outdir });
  const stack = new Stack(app, 'BundleSize', { env: { region: 'us-east-1' } });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['us-east-1a'],
    privateSubnetIds: ['subnet-0aaa'],
  });
  const gateway = new LlmGateway(stack, 'Gateway', {
    vpc,
    config: {
      models: { m: { deployments: ['b'] } },
      deployments: { b: { provider: 'builtin', model: 'x', pricing: { input: 0, output: 0 } } },
    },
  });
  const api = new GatewayApi(stack, 'Api', { gateway, vpc });
  app.synth();
  for (const [name, fn] of [
    ['gateway', gateway.function],
    ['authorizer', api.authorizerFunction],
  ] as const) {
    const code = stack.resolve((fn.node.defaultChild as lambda.CfnFunction).code) as { s3Key: string };
    const dir = path.join(outdir, `asset.${code.s3Key.replace(/\.zip$/, '')}`);
    const bytes = statSync(path.join(dir, 'index.js')).size;
    const map = statSync(path.join(dir, 'index.js.map')).size;
    console.log(
      `${name.padEnd(10)} index.js ${bytes.toLocaleString('en-US').padStart(9)} bytes (${(bytes / 1000).toFixed(1)} kB)   source map ${map.toLocaleString('en-US')} bytes`,
    );
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
