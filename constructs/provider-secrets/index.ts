export * from './provider-secrets';
export * from './provider-secrets-interface';
