export * from './llm-gateway';
export { BEDROCK_INVOKE_ACTIONS } from './bedrock-access';
export { CONFIG_FILE_PATH, ROUTER_MODEL_FILE_PATH } from './config-layer';
export { GatewayConfigProblem } from './gateway-config';
