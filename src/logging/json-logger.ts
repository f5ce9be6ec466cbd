import type { Logger } from '../domain/ports/logger';

const LEVEL_ORDER = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof LEVEL_ORDER;

/** One JSON object per line on stdout, which is what CloudWatch Logs Insights queries best. */
export class JsonLogger implements Logger {
  constructor(
    private readonly options: {
      level: Level;
      fields?: Record<string, unknown>;
      write?: (line: string) => void;
      now?: () => Date;
    },
  ) {}

  /** A logger that adds `fields` to every line, for example the request id. */
  child(fields: Record<string, unknown>): JsonLogger {
    return new JsonLogger({ ...this.options, fields: { ...this.options.fields, ...fields } });
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.log('debug', message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.log('info', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.log('warn', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.log('error', message, fields);
  }

  private log(level: Level, message: string, fields?: Record<string, unknown>): void {
    if (LEVEL_ORDER[level] < LEVEL_ORDER[this.options.level]) return;
    const now = this.options.now?.() ?? new Date();
    const entry = { level, message, timestamp: now.toISOString(), ...this.options.fields, ...fields };
    const write = this.options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
    write(JSON.stringify(entry, replaceErrors));
  }
}

/** Errors become plain objects (JSON.stringify drops their fields otherwise); causes are kept. */
function replaceErrors(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const { name, message, stack } = value;
  const extra = Object.fromEntries(
    Object.entries(value).filter(([key]) => key !== '$response' && key !== '$metadata' && key !== 'cause'),
  );
  return { name, message, ...extra, ...(value.cause !== undefined ? { cause: value.cause } : {}), stack };
}
