export * from './response-cache';
export * from './response-cache-interface';
export * from './response-cache-props';
