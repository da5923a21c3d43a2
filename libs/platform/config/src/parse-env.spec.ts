import { z } from 'zod';
import { flag, port, secret } from './fields';
import { loadConfigOrExit, parseEnv } from './parse-env';
import { catchConfigError } from './test-support/catch-config-error';

const schema = z.object({ PORT: port(3001), API_KEY: secret(32), VERBOSE: flag(false) });
const goodKey = 'k'.repeat(40);

describe('parseEnv', () => {
  it('when every variable is valid, then the typed values are returned and other variables ignored', () => {
    expect(parseEnv(schema, { PORT: '4000', API_KEY: goodKey, VERBOSE: 'yes', UNRELATED: 'x' })).toEqual({
      PORT: 4000,
      API_KEY: goodKey,
      VERBOSE: true,
    });
  });

  it('when several variables are bad, then the error names every one of them', () => {
    const error = catchConfigError(() => parseEnv(schema, { PORT: 'eighty', VERBOSE: 'perhaps' }));
    expect(error.variables).toEqual(['PORT', 'API_KEY', 'VERBOSE']);
    expect(error.message).toContain('Invalid configuration (3 problems)');
    expect(error.message).toContain('PORT: must be a whole number from 1 to 65535 (got "eighty")');
    expect(error.message).toContain('API_KEY: is required but not set');
    expect(error.message).toContain('VERBOSE: must be one of');
  });

  it('when a variable is blank, then it counts as unset (defaults apply, required ones are reported)', () => {
    expect(catchConfigError(() => parseEnv(schema, { PORT: '', API_KEY: '   ' })).message).toContain('API_KEY: is required but not set');
    expect(parseEnv(schema, { PORT: ' ', API_KEY: goodKey }).PORT).toBe(3001);
  });

  it('when a secret is malformed, then its value appears nowhere in the error', () => {
    const error = catchConfigError(() => parseEnv(schema, { API_KEY: 'short-but-secret-value' }));
    expect(error.message).not.toContain('short-but-secret-value');
    expect(JSON.stringify(error.issues)).not.toContain('short-but-secret-value');
  });
});

describe('loadConfigOrExit', () => {
  it('when the environment is bad, then it reports the variables and exits with status 1', () => {
    const reports: Array<{ details: { variables: string[] }; message: string }> = [];
    const exit = jest.fn((code: number): never => {
      throw new Error(`exit ${code}`);
    });
    expect(() =>
      loadConfigOrExit(schema, { env: { PORT: '0' }, reporter: { fatal: (details, message) => reports.push({ details, message }) }, exit }),
    ).toThrow('exit 1');
    expect(exit).toHaveBeenCalledWith(1);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.details.variables).toEqual(['PORT', 'API_KEY']);
  });

  it('when the environment is good, then it returns the config without exiting', () => {
    const exit = jest.fn((): never => {
      throw new Error('must not exit');
    });
    expect(loadConfigOrExit(schema, { env: { API_KEY: goodKey }, exit }).PORT).toBe(3001);
  });
});
