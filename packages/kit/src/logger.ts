// Structured JSON logs (pino). Secrets are redacted by path so that a header
// or config object logged by mistake never leaks a key.
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'authorization',
  'req.headers.authorization',
  'req.headers["x-bamboo-signature"]',
  'headers.authorization',
  'secret',
  '*.secret',
  'clientSecret',
  '*.clientSecret',
  'BAMBOO_INTERNAL_KEY',
  '*.BAMBOO_INTERNAL_KEY',
  'password',
  '*.password',
];

export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
