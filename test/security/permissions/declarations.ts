import type { PlatformHandler } from '../../../constructs/shared/platform-function';
import type { HandlerAwsCalls } from '../../../lambda/contract/aws-calls';
import { AWS_CALLS as authorizer } from '../../../lambda/authorizer/aws-calls';
import { AWS_CALLS as embeddingsApi } from '../../../lambda/embeddings-api/aws-calls';
import { AWS_CALLS as embeddingsWorker } from '../../../lambda/embeddings-worker/aws-calls';
import { AWS_CALLS as gateway } from '../../../lambda/gateway/aws-calls';
import { AWS_CALLS as jobsApi } from '../../../lambda/jobs-api/aws-calls';
import { AWS_CALLS as jobsWorker } from '../../../lambda/jobs-worker/aws-calls';
import { AWS_CALLS as killSwitch } from '../../../lambda/kill-switch/aws-calls';
import { AWS_CALLS as vectorSchema } from '../../../lambda/vector-schema/aws-calls';

/** Each platform handler's declared AWS calls (`lambda/<handler>/aws-calls.ts`); a new handler must add its own. */
export const HANDLER_AWS_CALLS: Readonly<Record<PlatformHandler, HandlerAwsCalls>> = {
  gateway,
  authorizer,
  'jobs-api': jobsApi,
  'jobs-worker': jobsWorker,
  'embeddings-api': embeddingsApi,
  'embeddings-worker': embeddingsWorker,
  'kill-switch': killSwitch,
  'vector-schema': vectorSchema,
};
