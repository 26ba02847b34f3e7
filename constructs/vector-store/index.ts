export * from './vector-store-interface';
