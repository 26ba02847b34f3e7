export * from './cost-guardrails';
export * from './kill-switch-function';
export * from './budget-threshold-alarm';
