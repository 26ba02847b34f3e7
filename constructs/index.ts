/**
 * The importable constructs of the LLM platform. Each stands alone: an application team can use any
 * one of them in its own stack, with props whose defaults are safe for production.
 *
 * Model serving on EKS (`ModelServingCluster`, the cdk8s charts) is a subpath of its own,
 * `llm-platform-blueprint/model-serving` (`./model-serving` here): it needs cdk8s and the kubectl
 * layer, which a team that uses only the gateway should not have to install.
 */
export * from './async-jobs';
export * from './cost-guardrails';
export * from './embedding-service';
export * from './gateway-api';
export * from './llm-gateway';
export * from './network';
export * from './platform-observability';
export * from './provider-secrets';
export * from './response-cache';
export * from './vector-store';
