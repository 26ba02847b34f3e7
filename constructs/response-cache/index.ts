export * from './response-cache';
export * from './response-cache-interface';
