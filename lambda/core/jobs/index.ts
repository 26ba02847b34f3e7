export * from './idempotency';
export * from './job';
export * from './job-queue';
export * from './job-store';
export * from './jobs-api';
export * from './webhook';
export * from './worker';
export * from './in-process-queue';
