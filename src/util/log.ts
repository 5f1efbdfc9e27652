import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs go to stderr so stdout stays clean for command output
 * (JSON lines from `parse`, `demo --once --json`, eval and bench results).
 */
export function createLogger(level: string = process.env.KIOSQUE_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
}

export const silentLogger: Logger = pino({ level: 'silent' });
