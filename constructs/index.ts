/**
 * The importable constructs of the LLM platform. Each stands alone: an application team can use any
 * one of them in its own stack, with props whose defaults are safe for production.
 */
export * from './async-jobs';
export * from './cost-guardrails';
export * from './embedding-service';
export * from './gateway-api';
export * from './llm-gateway';
export * from './model-serving';
export * from './network';
export * from './platform-observability';
export * from './provider-secrets';
export * from './response-cache';
export * from './vector-store';
