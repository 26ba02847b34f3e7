export * from './gpu-server';
export * from './keda';
export * from './namespace-chart';
export * from './serving-charts';
export * from './triton-chart';
export * from './validate';
export * from './vllm-chart';
export * from './spec';
