import { ConfigError } from '../config-error';

/** Runs `run` and returns the ConfigError it throws; fails the test if it throws nothing or something else. */
export function catchConfigError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
