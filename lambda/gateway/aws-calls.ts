import type { HandlerAwsCalls } from '../contract/aws-calls';
import { DEPLOYED_GATEWAY_AWS_CALLS } from '../runtime/aws-calls';

/** What the gateway function calls on AWS with its role (test/security/permissions.test.ts checks it). */
export const AWS_CALLS: HandlerAwsCalls = { calls: DEPLOYED_GATEWAY_AWS_CALLS };
