export * from './gateway-alarms';
export * from './gateway-metrics';
export * from './notification-topic';
export * from './platform-observability';
export type { ModelServingMetricsSource } from './serving-dashboard';
export * from './alarm-subscribers';
