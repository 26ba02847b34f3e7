export * from './charts';
export * from './cluster-addons';
export * from './gateway-entries';
export * from './gpu-instances';
export * from './model-serving-cluster';
