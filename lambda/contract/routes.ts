/**
 * The platform's HTTP routes, below the `/v1` stage: what the `GatewayApi` construct and the
 * services' constructs add to the API, and what the handlers answer. Paths take `{parameter}`
 * segments as API Gateway writes them.
 */
export const API_VERSION = 'v1';

export const API_ROUTES = {
  chatCompletions: { method: 'POST', path: '/chat/completions' },
  embeddings: { method: 'POST', path: '/embeddings' },
  models: { method: 'GET', path: '/models' },
  /** Answered by API Gateway itself (a mock integration), without a key. */
  health: { method: 'GET', path: '/health' },
  submitJob: { method: 'POST', path: '/jobs' },
  showJob: { method: 'GET', path: '/jobs/{id}' },
  createCollection: { method: 'POST', path: '/collections' },
  showCollection: { method: 'GET', path: '/collections/{name}' },
  ingestDocuments: { method: 'POST', path: '/collections/{name}/documents' },
  searchCollection: { method: 'POST', path: '/collections/{name}/search' },
  reindexCollection: { method: 'POST', path: '/collections/{name}/reindex' },
  dropCollectionVersion: { method: 'DELETE', path: '/collections/{name}/versions/{version}' },
} as const;

export type ApiRouteName = keyof typeof API_ROUTES;

/** The gateway endpoints a job may call: the same request bodies as the synchronous API. */
export const JOB_ENDPOINTS = [
  `/${API_VERSION}${API_ROUTES.chatCompletions.path}`,
  `/${API_VERSION}${API_ROUTES.embeddings.path}`,
] as const;
export type JobEndpoint = (typeof JOB_ENDPOINTS)[number];
