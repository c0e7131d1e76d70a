// Structured logs on stderr, logfmt or JSON, as node_exporter writes them.
import { write as writeStdio } from './stdio';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['logfmt', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type Fields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

function logfmtValue(v: string): string {
  return v === '' || /[\s"=\\]/.test(v) || /[\x00-\x1f]/.test(v) ? JSON.stringify(v) : v;
}

export function formatLine(format: LogFormat, level: LogLevel, msg: string, fields: Fields = {}, now = new Date()): string {
  const all: Fields = { ts: now.toISOString(), level, msg, ...fields };
  if (format === 'json') {
    return JSON.stringify(all);
  }
  const parts: string[] = [];
  for (const [k, v] of Object.entries(all)) {
    if (v === undefined) continue;
    parts.push(`${k}=${logfmtValue(String(v))}`);
  }
  return parts.join(' ');
}

export function createLogger(level: LogLevel, format: LogFormat, write: (line: string) => void = (line) => writeStdio(2, `${line}\n`)): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const at = (l: LogLevel) => (msg: string, fields?: Fields) => {
    if (LOG_LEVELS.indexOf(l) >= min) write(formatLine(format, l, msg, fields));
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Message of an unknown thrown value, on one line. */
export function errorMessage(err: unknown): string {
  const s = err instanceof Error ? err.message : String(err);
  return s.replace(/\s*\n\s*/g, ' ');
}
