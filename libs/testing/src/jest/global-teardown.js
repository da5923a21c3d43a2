// Runs once after `npm test`: stops what the global setup started, and drops the databases this run's
// integration suites created (each suite has one of its own: libs/testing/src/infra.ts).
module.exports = async function globalTeardown() {
  const started = globalThis.__TENANTRY_CONTAINERS__ ?? [];
  await dropSuiteDatabases(process.env.MONGODB_URI, process.env.TENANTRY_TEST_RUN);
  await Promise.all(started.map((container) => container.stop()));
};

/** Drops `test_<run>_*`: this run's suite databases, never another run's. A failure is reported, not thrown. */
async function dropSuiteDatabases(uri, run) {
  if (!uri || !run) return;
  const mongoose = require('mongoose');
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5_000, appName: 'tenantry-test-teardown' });
  try {
    await connection.asPromise();
    const { databases } = await connection.db.admin().listDatabases({ nameOnly: true });
    const ours = databases.map((database) => database.name).filter((name) => name.startsWith(`test_${run}_`));
    for (const name of ours) await connection.useDb(name, { useCache: false }).dropDatabase();
  } catch (error) {
    process.stderr.write(`Could not drop this run's test databases: ${error instanceof Error ? error.message : String(error)}\n`);
  } finally {
    await connection.close().catch(() => undefined);
  }
}
