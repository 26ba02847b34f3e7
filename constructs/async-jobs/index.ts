export * from './async-jobs';
