/** The kill-switch function's own environment variables (the CostGuardrails construct sets them). */
export const KILL_SWITCH_ENV = {
  /** Key prefix of the gateway's Redis keys. @default `llmgw:` */
  keyPrefix: 'KILL_SWITCH_KEY_PREFIX',
  /** JSON from alarm name to scope (`global`, `tenant:<id>`, `feature:<name>`). */
  alarmScopes: 'KILL_SWITCH_ALARM_SCOPES',
} as const;
