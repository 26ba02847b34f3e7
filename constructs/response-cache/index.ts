export * from './response-cache-interface';
