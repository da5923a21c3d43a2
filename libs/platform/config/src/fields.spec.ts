import { z } from 'zod';
import { ConfigError } from './config-error';
import { brokerList, duration, flag, int, logLevel, mongoUri, oneOf, port, redisUrl, secret } from './fields';
import { parseEnv } from './parse-env';

/** Parses one variable `V` with `field`; returns the value or the ConfigError's message for V. */
function parseOne<T extends z.ZodType>(field: T, value: string | undefined): z.output<T> {
  const parsed: Record<string, unknown> = parseEnv(z.object({ V: field }), { V: value });
  return parsed['V'] as z.output<T>;
}

function errorFor(field: z.ZodType, value: string | undefined): string {
  try {
    parseOne(field, value);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.variable}: ${issue.message}`).join('\n');
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
}

describe('port', () => {
  it('when unset, then the service default applies', () => {
    expect(parseOne(port(3001), undefined)).toBe(3001);
  });

  it('when set to a valid port, then it is a number', () => {
    expect(parseOne(port(3001), '8443')).toBe(8443);
  });

  it.each(['0', '65536', 'abc', '80.5', '0x50', '1e3', '-1'])(
    'when set to %j, then it is rejected naming the range and the value',
    (value) => {
      expect(errorFor(port(3001), value)).toBe(`V: must be a whole number from 1 to 65535 (got ${JSON.stringify(value)})`);
    },
  );
});

describe('int and duration', () => {
  it('when an int is out of bounds, then the bounds are named', () => {
    expect(errorFor(int({ min: 1, max: 10 }), '11')).toContain('from 1 to 10');
    expect(parseOne(int({ min: 1, max: 10 }).default(5), undefined)).toBe(5);
  });

  it.each([
    ['250', 250],
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
  ])('when a duration is %j, then it is %d ms', (value, expected) => {
    expect(parseOne(duration(), value)).toBe(expected);
  });

  it('when a duration has an unknown unit or is out of bounds, then it is rejected', () => {
    expect(errorFor(duration(), '5 weeks')).toContain('must be a duration like 500ms, 30s');
    expect(errorFor(duration({ min: 1_000, max: 60_000 }), '2m')).toContain('from 1000 ms to 60000 ms');
  });
});

describe('flag', () => {
  it.each([
    ['1', true],
    ['true', true],
    ['YES', true],
    ['on', true],
    ['0', false],
    ['False', false],
    ['no', false],
    ['off', false],
  ])('when set to %j, then it is %s', (value, expected) => {
    expect(parseOne(flag(false), value)).toBe(expected);
  });

  it('when unset, then the default applies; when not a boolean word, then it is rejected', () => {
    expect(parseOne(flag(true), undefined)).toBe(true);
    expect(errorFor(flag(true), 'maybe')).toContain('must be one of 1/0, true/false, yes/no, on/off (got "maybe")');
  });
});

describe('secret', () => {
  it('when long enough, then it is returned as is', () => {
    expect(parseOne(secret(8), 's3cr3t-value')).toBe('s3cr3t-value');
  });

  it('when too short, then the error states the minimum and never the value', () => {
    const message = errorFor(secret(32), 'hunter2-is-my-password');
    expect(message).toContain('at least 32 characters');
    expect(message).not.toContain('hunter2');
  });

  it('when unset, then it is required (there is no default secret)', () => {
    expect(errorFor(secret(32), undefined)).toBe('V: is required but not set');
  });
});

describe('URLs and brokers', () => {
  it('when a mongodb or redis URL is valid, then it is returned', () => {
    expect(parseOne(mongoUri(), 'mongodb://db:27017/tenantry')).toBe('mongodb://db:27017/tenantry');
    expect(parseOne(redisUrl(), 'rediss://cache:6380')).toBe('rediss://cache:6380');
  });

  it('when a URL has the wrong scheme or is not a URL, then the error never echoes it (credentials)', () => {
    const wrongScheme = errorFor(mongoUri(), 'postgres://admin:pa55word@db/x');
    expect(wrongScheme).toContain('must be a mongodb:// or mongodb+srv:// URL');
    expect(wrongScheme).not.toContain('pa55word');
    const notUrl = errorFor(redisUrl(), 'cache:pa55word');
    expect(notUrl).toContain('redis:// or rediss://');
    expect(notUrl).not.toContain('pa55word');
  });

  it('when brokers are comma separated host:port pairs, then they become a list', () => {
    expect(parseOne(brokerList(), 'kafka-1:9092, kafka-2:9093,[::1]:9094')).toEqual(['kafka-1:9092', 'kafka-2:9093', '[::1]:9094']);
  });

  it('when a broker has no port, then that entry is named', () => {
    expect(errorFor(brokerList(), 'kafka-1:9092,kafka-2')).toContain('bad entries: "kafka-2"');
  });
});

describe('enums', () => {
  it('when a log level is unset, then it is info; when unknown, then the choices are listed', () => {
    expect(parseOne(logLevel(), undefined)).toBe('info');
    expect(parseOne(logLevel(), 'DEBUG')).toBe('debug');
    expect(errorFor(logLevel(), 'verbose')).toContain('must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")');
  });

  it('when a value matches an option in another case, then the canonical option is returned', () => {
    expect(parseOne(oneOf(['basic', 'pro'] as const), 'PRO')).toBe('pro');
  });
});
