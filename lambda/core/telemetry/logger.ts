import { Logger } from '@aws-lambda-powertools/logger';
import { redactingReplacer } from './redact';

export interface PlatformLoggerOptions {
  /** The `service` key of every line. */
  readonly serviceName: string;
  /** @default `POWERTOOLS_LOG_LEVEL`, else INFO */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT' | 'CRITICAL';
}

/**
 * The platform's structured logger: Powertools' JSON lines, every one serialized through the
 * redacting replacer (secrets, keys, Authorization headers and prompt text never leave the process;
 * see `redact.ts`). Every handler and the local server log through one of these.
 */
export function createPlatformLogger(options: PlatformLoggerOptions): Logger {
  return new Logger({
    serviceName: options.serviceName,
    logLevel: options.logLevel,
    jsonReplacerFn: redactingReplacer,
  });
}
