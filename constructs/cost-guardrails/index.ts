export * from './cost-guardrails';
export * from './kill-switch-function';
