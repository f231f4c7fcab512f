/**
 * Structured logs: one JSON object per line, carrying the invocation id. Tokens, secrets and
 * personal information never reach a log: keys that name them are redacted, and string values
 * that look like a JWT, an email address or a connection string key are masked wherever they
 * appear.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export type LogSink = (level: LogLevel, line: string) => void;

const SENSITIVE_KEY = /authorization|token|secret|password|passwd|accountkey|sharedaccesskey|cookie|e-?mail|^mail$|mailaddress|upn|userprincipalname|username|displayname|^name$|subject|body|phone|address$/i;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const KEY_IN_CONNECTION_STRING = /(AccountKey|SharedAccessKey|SharedAccessSignature|sig|password|pwd|secret|client_secret)=[^;&\s]+/gi;

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.replace(JWT, '[jwt]').replace(EMAIL, '[email]').replace(KEY_IN_CONNECTION_STRING, '$1=[redacted]');
  }
  if (value instanceof Error) {
    return { name: value.name, message: redact(value.message), stack: redact(value.stack ?? '') };
  }
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SENSITIVE_KEY.test(k) ? '[redacted]' : redact(v, depth + 1)]));
}

export function createLogger(sink: LogSink, base: LogFields = {}): Logger {
  const write = (level: LogLevel) => (event: string, fields: LogFields = {}) =>
    sink(level, JSON.stringify({ level, event, ...(redact({ ...base, ...fields }) as LogFields) }));
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (fields) => createLogger(sink, { ...base, ...fields }),
  };
}
