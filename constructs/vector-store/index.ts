export * from './vector-store';
export * from './vector-store-interface';
export * from './vector-store-props';
