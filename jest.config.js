// `npm test`: every project's Jest config in one run, one summary at the end.
// Integration suites (*.int.spec.ts, *.e2e.spec.ts) need KAFKA_BROKERS / MONGODB_URI / REDIS_URL
// (see infra/local/README.md); without them the global setup starts testcontainers (Docker) or infra/local.
const { getJestProjectsAsync } = require('@nx/jest');

module.exports = async () => ({
  projects: await getJestProjectsAsync(),
  globalSetup: '<rootDir>/libs/testing/src/jest/global-setup.js',
  globalTeardown: '<rootDir>/libs/testing/src/jest/global-teardown.js',
  reporters: ['<rootDir>/tools/jest/default-reporter.js', '<rootDir>/tools/jest/summary-reporter.js'],
  // Global options: Jest ignores them in project configs (jest.preset.js) when run through `projects`.
  testTimeout: 30_000,
  // One test file at a time: integration suites share one Kafka / database / Redis, and some stop and
  // restart them on purpose (outbox survives a broker restart, cache bypass when Redis is down).
  maxWorkers: 1,
});
