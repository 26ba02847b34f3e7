import type { GatewayApi } from '../gateway-api/gateway-api';
import type { LlmGateway } from '../llm-gateway/llm-gateway';
import type { EncryptedResourceProps, VpcPlacementProps } from './props';

/**
 * The props of a service beside the gateway that runs its work from a queue through the gateway
 * in-process (the async jobs, the embedding service): its API function and queue worker run in
 * the VPC beside the gateway.
 */
export interface QueueServiceProps extends VpcPlacementProps, EncryptedResourceProps {
  /** The gateway whose models do the work; both functions run it in-process (`shareRuntimeWith`). */
  readonly gateway: LlmGateway;
  /**
   * The API to add the service's routes to, behind its authorizer and usage plans.
   * @default - no routes: add them with `addRoutes`
   */
  readonly api?: GatewayApi;
  /**
   * Receives of one message before it moves to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
}
