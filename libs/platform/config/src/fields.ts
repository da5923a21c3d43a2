import { z } from 'zod';

/**
 * Field schemas for environment variables. Each takes the raw string and yields a typed value; its
 * error message says what is expected and echoes the received value only where that is harmless
 * (numbers, flags, enums), never for secrets or URLs (which may carry credentials).
 */

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** A string variable parsed by `parse`; the message of a failed parse becomes the variable's issue. */
export function envField<T>(parse: (raw: string) => Parsed<T>) {
  return z.string().transform((raw, ctx): T => {
    const result = parse(raw);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: result.message });
    return z.NEVER;
  });
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (message: string): Parsed<never> => ({ ok: false, message });
const quoted = (raw: string, max = 40): string => JSON.stringify(raw.length > max ? `${raw.slice(0, max)}…` : raw);

export interface IntegerBounds {
  min?: number;
  max?: number;
}

function parseInteger(raw: string, { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER }: IntegerBounds): Parsed<number> {
  const range = `from ${min} to ${max}`;
  if (!/^-?\d+$/.test(raw.trim())) return fail(`must be a whole number ${range} (got ${quoted(raw)})`);
  const value = Number(raw.trim());
  if (value < min || value > max) return fail(`must be a whole number ${range} (got ${quoted(raw)})`);
  return ok(value);
}

/** A whole number within bounds, e.g. `int({ min: 1, max: 1000 }).default(100)`. */
export function int(bounds: IntegerBounds = {}) {
  return envField((raw) => parseInteger(raw, bounds));
}

/** A TCP port (1–65535) with the service's default. */
export function port(defaultPort: number) {
  return envField((raw) => parseInteger(raw, { min: 1, max: 65535 })).default(defaultPort);
}

const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration in milliseconds: `250ms`, `30s`, `5m`, `1h`, `7d`, or a bare number of milliseconds.
 * Bounds are in milliseconds too.
 */
export function duration(bounds: IntegerBounds = {}) {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = bounds;
  return envField((raw) => {
    const match = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(raw.trim());
    if (!match) return fail(`must be a duration like 500ms, 30s, 5m, 1h or 7d (got ${quoted(raw)})`);
    const unit = (match[2] ?? 'ms') as keyof typeof DURATION_UNITS_MS;
    const value = Number(match[1]) * DURATION_UNITS_MS[unit];
    if (value < min || value > max) return fail(`must be a duration from ${min} ms to ${max} ms (got ${quoted(raw)})`);
    return ok(value);
  });
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/** A boolean switch: `1/0`, `true/false`, `yes/no`, `on/off` (any case), with a default. */
export function flag(defaultValue: boolean) {
  return envField((raw) => {
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return ok(true);
    if (FALSE_WORDS.has(word)) return ok(false);
    return fail(`must be one of 1/0, true/false, yes/no, on/off (got ${quoted(raw)})`);
  }).default(defaultValue);
}

/** One of a fixed set of words (case-insensitive), e.g. `oneOf(['basic', 'pro'] as const).default('basic')`. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return envField((raw) => {
    const word = raw.trim().toLowerCase();
    const match = values.find((value) => value.toLowerCase() === word);
    return match === undefined ? fail(`must be one of ${values.join(', ')} (got ${quoted(raw)})`) : ok(match as T[number]);
  });
}

/**
 * A secret (API key, HMAC key, password) of at least `minLength` characters. There is deliberately no
 * way to give it a default: a default secret is a published secret. The value never appears in errors.
 */
export function secret(minLength: number) {
  return envField((raw) =>
    raw.length >= minLength ? ok(raw) : fail(`must be a secret of at least ${minLength} characters (value not shown)`),
  );
}

export interface UrlOptions {
  /** Accepted schemes with the colon, e.g. `['mongodb:', 'mongodb+srv:']`. */
  protocols: readonly string[];
}

/** A URL with one of the given schemes. Its value is never echoed: it may contain a password. */
export function url({ protocols }: UrlOptions) {
  const expected = protocols.map((protocol) => `${protocol}//`).join(' or ');
  return envField((raw) => {
    let parsed: URL;
    try {
      parsed = new URL(raw.trim());
    } catch {
      return fail(`must be a ${expected} URL (value not shown: it may contain credentials)`);
    }
    if (!protocols.includes(parsed.protocol)) return fail(`must be a ${expected} URL, not ${parsed.protocol}//`);
    return ok(raw.trim());
  });
}

export const mongoUri = () => url({ protocols: ['mongodb:', 'mongodb+srv:'] });
export const redisUrl = () => url({ protocols: ['redis:', 'rediss:'] });

/** A comma-separated list of `host:port` Kafka brokers, e.g. `kafka-1:9092,kafka-2:9092`. */
export function brokerList() {
  return envField((raw) => {
    const brokers = raw
      .split(',')
      .map((broker) => broker.trim())
      .filter(Boolean);
    if (brokers.length === 0) return fail('must list at least one broker as host:port');
    const bad = brokers.filter((broker) => !isHostPort(broker));
    if (bad.length > 0) return fail(`must be comma-separated host:port pairs; bad entries: ${bad.map((b) => quoted(b)).join(', ')}`);
    return ok(brokers);
  });
}

/**
 * A prefix for Kafka topic and consumer-group names: 1–64 letters, digits, `_` or `-` (the topic
 * name becomes `<namespace>.<event type>`, which Kafka allows up to 249 characters).
 */
export function kafkaNamespace() {
  return envField((raw) => {
    const value = raw.trim();
    return /^[A-Za-z0-9_-]{1,64}$/.test(value) ? ok(value) : fail(`must be 1-64 letters, digits, _ or - (got ${quoted(raw)})`);
  });
}

function isHostPort(value: string): boolean {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  return match !== null && Number(match[2]) >= 1 && Number(match[2]) <= 65535;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The pino log level, `info` unless set. */
export const logLevel = () => oneOf(LOG_LEVELS).default('info');

/** A JSON variable validated by `schema`; the message says what shape is expected (`expected`), not what was received. */
export function jsonField<T>(schema: z.ZodType<T>, expected: string) {
  return envField<T>((raw) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return fail(`must be JSON: ${expected}`);
    }
    const result = schema.safeParse(parsed);
    return result.success ? ok(result.data) : fail(`must be ${expected}`);
  });
}
