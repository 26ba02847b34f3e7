export * from './provider-secrets-interface';
