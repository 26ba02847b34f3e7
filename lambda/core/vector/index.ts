export * from './application-role';
export * from './database-settings';
export * from './embedded-postgres';
export * from './migrate';
export * from './scram';
export * from './set-up';
export * from './sql-client';
