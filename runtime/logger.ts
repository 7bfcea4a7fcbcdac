import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout; `npm start` keeps each process's log under the data directory. */
export function createLogger(name: string, level: string): Logger {
  return pino({ name, level, base: { process: name } });
}
