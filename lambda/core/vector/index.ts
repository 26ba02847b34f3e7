export * from './embedded-postgres';
export * from './migrate';
export * from './migrations';
export * from './sql-client';
