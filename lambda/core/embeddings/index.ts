export * from './chunking';
export * from './documents';
export * from './embedding-service';
export * from './gateway-embedder';
export * from './names';
export * from './reindex-queue';
export * from './routes';
export * from './s3-drop';
