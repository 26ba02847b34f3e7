import type { PolicyDocument } from './function-inventory';

/**
 * The documents of the AWS managed policies the stages attach to function roles, held offline (the
 * test has no AWS account), written out from the AWS Managed Policy Reference Guide rather than fetched:
 * re-read them there when AWS announces a change (it changes them rarely, and only additively).
 */
export const AWS_MANAGED_POLICIES: Readonly<Record<string, PolicyDocument>> = {
  'service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
    ],
  },
  'service-role/AWSLambdaVPCAccessExecutionRole': {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AWSLambdaVPCAccessExecutionPermissions',
        Effect: 'Allow',
        Action: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        Resource: '*',
      },
    ],
  },
  AmazonEC2ContainerRegistryReadOnly: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'ecr:GetAuthorizationToken',
          'ecr:BatchCheckLayerAvailability',
          'ecr:GetDownloadUrlForLayer',
          'ecr:GetRepositoryPolicy',
          'ecr:DescribeRepositories',
          'ecr:ListImages',
          'ecr:DescribeImages',
          'ecr:BatchGetImage',
          'ecr:GetLifecyclePolicy',
          'ecr:GetLifecyclePolicyPreview',
          'ecr:ListTagsForResource',
          'ecr:DescribeImageScanFindings',
        ],
        Resource: '*',
      },
    ],
  },
  AmazonElasticContainerRegistryPublicReadOnly: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'ecr-public:GetAuthorizationToken',
          'sts:GetServiceBearerToken',
          'ecr-public:BatchCheckLayerAvailability',
          'ecr-public:GetRepositoryPolicy',
          'ecr-public:DescribeRepositories',
          'ecr-public:DescribeRegistries',
          'ecr-public:DescribeImages',
          'ecr-public:DescribeImageTags',
          'ecr-public:GetRepositoryCatalogData',
          'ecr-public:GetRegistryCatalogData',
        ],
        Resource: '*',
      },
    ],
  },
};
