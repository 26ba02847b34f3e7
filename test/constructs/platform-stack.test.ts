import { synthesizedStage, synthesizedStages } from '../support/stage-assembly';

const stages = synthesizedStages();
const templateOf = (name: string) => synthesizedStage(name).template;

describe('LlmPlatformStack per environment', () => {
  test('each stage deploys to its configured region, account-agnostic when no account is known', () => {
    for (const stage of stages) {
      expect(stage.platform.environment).toMatchObject({ region: 'us-east-1', account: 'unknown-account' });
    }
  });

  test('prod is protected from deletion and keeps its logs; dev cleans up after itself', () => {
    expect(synthesizedStage('Prod').platform.terminationProtection).toBe(true);
    expect(synthesizedStage('Dev').platform.terminationProtection).toBe(false);
    templateOf('Prod').hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
    templateOf('Dev').hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
  });

  test('prod spreads across three zones with a NAT gateway in each; dev uses one', () => {
    templateOf('Prod').resourceCountIs('AWS::EC2::NatGateway', 3);
    templateOf('Dev').resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  test('every resource is tagged with the platform, the environment and the config tags', () => {
    const template = templateOf('Staging');
    template.hasResourceProperties('AWS::EC2::VPC', {
      Tags: [
        { Key: 'cost-center', Value: 'llm-platform-staging' },
        { Key: 'environment', Value: 'staging' },
        { Key: 'Name', Value: 'Staging/Platform/Network/Vpc' },
        { Key: 'platform', Value: 'llm-platform' },
      ],
    });
  });

  test('environments do not overlap in address space', () => {
    const cidrs = stages
      .map((stage) => stage.template.findResources('AWS::EC2::VPC'))
      .map((vpcs) => Object.values(vpcs)[0].Properties.CidrBlock);
    expect(new Set(cidrs).size).toBe(cidrs.length);
  });
});
