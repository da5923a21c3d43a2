import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from './config-error';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses the environment with a zod object schema of env fields (see `fields.ts`). An empty or blank
 * variable counts as unset (`FOO=` in a compose file means "not configured"). On failure throws a
 * ConfigError naming every bad variable.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: Env = process.env): z.output<S> {
  const present = withoutBlankValues(env);
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(environment)');
    const missing = issue.path.length === 1 && present[variable] === undefined;
    return { variable, message: missing ? 'is required but not set' : issue.message };
  });
  throw new ConfigError(issues);
}

export function withoutBlankValues(env: Env): Record<string, string> {
  const present: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') present[name] = value;
  }
  return present;
}

/** Where a configuration failure is reported: a pino logger fits, and so does anything with `fatal`. */
export interface ConfigFailureReporter {
  fatal(details: { variables: string[] }, message: string): void;
}

export interface LoadConfigOptions {
  env?: Env;
  /** Defaults to one line on stderr (the logger may not exist yet: its level comes from this config). */
  reporter?: ConfigFailureReporter;
  exit?: (code: number) => never;
}

/** `parseEnv` for `main.ts`: a bad environment is reported and the process exits with status 1. */
export function loadConfigOrExit<S extends z.ZodObject>(schema: S, options: LoadConfigOptions = {}): z.output<S> {
  return orExit(() => parseEnv(schema, options.env), options);
}

/** Runs a configuration step; on a ConfigError reports it and exits 1. Other errors propagate. */
export function orExit<T>(load: () => T, options: Omit<LoadConfigOptions, 'env'> = {}): T {
  const { reporter = stderrReporter, exit = (code: number) => process.exit(code) } = options;
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    reporter.fatal({ variables: error.variables }, error.message);
    return exit(1);
  }
}

const stderrReporter: ConfigFailureReporter = {
  fatal(details, message) {
    process.stderr.write(`${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), ...details, msg: message })}\n`);
  },
};
