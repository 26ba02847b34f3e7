export * from './vector-store';
export * from './vector-store-interface';
