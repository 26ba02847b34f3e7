import * as z from 'zod/mini';
import { httpUrl, providerDeployment } from '../deployment';

/** Amazon Bedrock through the Converse API, with the function's own IAM role (no credential). */
export const bedrockDeployment = providerDeployment('bedrock', {
  /** AWS region of the model (or of the cross-Region inference profile). */
  region: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required for provider "bedrock"' : undefined) })
    .check(z.regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be an AWS region such as us-east-1')),
  /** Overrides the regional endpoint, e.g. with a VPC endpoint's. */
  baseUrl: z.optional(httpUrl()),
});
