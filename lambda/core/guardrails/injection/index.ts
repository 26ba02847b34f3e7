export {
  inspectChatRequest,
  inspectRetrievedChunks,
  type ChatInspection,
  type ChunkFinding,
  type InjectionFinding,
} from './chat';
export { InjectionDetector, type InjectionScore } from './detector';
export { judgeChatRequest, type InjectionMode, type InjectionVerdict } from './guard';
export { PROMPT_INJECTION_CODE, promptInjectionError } from './errors';
export { loadInjectionModel, type InjectionModel } from './model';
export { RULE_IDS } from './patterns';
