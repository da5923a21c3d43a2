import { loadPlatformConfig } from '@tenantry/config';
import type { Logger } from '@tenantry/telemetry';
import { uniqueName } from '@tenantry/testing';
import { openPlatform, type Platform } from '../platform';

/** The internal secret of the services' test harnesses: they sign identities with it as the gateway does. */
export const TEST_INTERNAL_SECRET = 'test-internal-secret-'.padEnd(48, 'x');

/**
 * A platform for one service's test harness: embedded (in-memory bus, database and cache) unless `env`
 * names real infrastructure, silent, signing with TEST_INTERNAL_SECRET, under a process name of its own.
 */
export function openTestPlatform(name: string, logger: Logger, env?: Record<string, string>): Promise<Platform> {
  return openPlatform(
    loadPlatformConfig({ LOG_LEVEL: 'silent', INTERNAL_SECRET: TEST_INTERNAL_SECRET, ...(env ?? { TENANTRY_MODE: 'embedded' }) }),
    logger,
    uniqueName(name),
  );
}
