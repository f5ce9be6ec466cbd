export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads variables and collects every problem instead of stopping at the first, so one failed
 * start tells an operator everything that needs fixing. Call `finish` last.
 */
export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  /** A required string, checked by `validate` (which returns a problem description or undefined). */
  required(name: string, validate?: (value: string) => string | undefined): string {
    const value = this.raw(name);
    if (value === undefined) {
      this.problems.push(`${name} is required`);
      return '';
    }
    const problem = validate?.(value);
    if (problem) this.problems.push(`${name}: ${problem}`);
    return value;
  }

  optional(name: string, validate?: (value: string) => string | undefined): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const problem = validate?.(value);
    if (problem) this.problems.push(`${name}: ${problem}`);
    return value;
  }

  integer(name: string, options: { default: number; min: number; max: number }): number {
    const value = this.raw(name);
    if (value === undefined) return options.default;
    const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < options.min || parsed > options.max) {
      this.problems.push(`${name} must be a whole number from ${options.min} to ${options.max}, got "${value}"`);
      return options.default;
    }
    return parsed;
  }

  boolean(name: string, defaultValue: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return defaultValue;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    this.problems.push(`${name} must be true or false, got "${value}"`);
    return defaultValue;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], defaultValue: T): T {
    const value = this.raw(name);
    if (value === undefined) return defaultValue;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
      return defaultValue;
    }
    return value as T;
  }

  /** Comma-separated; an empty value means an empty list, an unset one the default. */
  list(name: string, defaultValue: readonly string[]): string[] {
    const value = this.env[name];
    if (value === undefined) return [...defaultValue];
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  finish<T extends object>(config: T): Readonly<T> {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
    return deepFreeze(config);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

// Resource name rules, so a typo fails at start-up instead of at the first request.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
export const checkBucketName = (name: string): string | undefined =>
  /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes('..')
    ? undefined
    : `"${name}" is not a valid S3 bucket name`;

export const checkTableName = (name: string): string | undefined =>
  /^[A-Za-z0-9_.-]{3,255}$/.test(name) ? undefined : `"${name}" is not a valid DynamoDB table name`;

export const checkTopicArn = (arn: string): string | undefined =>
  /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(arn) ? undefined : `"${arn}" is not an SNS topic ARN`;

export const checkUrl = (value: string): string | undefined => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : `"${value}" is not an http(s) URL`;
  } catch {
    return `"${value}" is not a URL`;
  }
};
