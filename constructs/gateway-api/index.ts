export * from './gateway-api';
export * from './gateway-api-props';
export { ACCESS_LOG_FIELDS } from './access-log';
export { CHAT_COMPLETIONS_SCHEMA, EMBEDDINGS_SCHEMA } from './request-models';
export { COUNTED_COMMON_BODY_RULES, GatewayWebAcl, type GatewayWebAclProps } from './web-acl';
