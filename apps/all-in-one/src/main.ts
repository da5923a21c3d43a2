// Embedded mode (`npm start`): the gateway and every service in ONE process, each on its own port,
// sharing one platform — in-memory adapters unless KAFKA_BROKERS / MONGODB_URI / REDIS_URL are set.
// Telemetry is loaded before this file: tsx --import ./libs/platform/telemetry/src/register.ts.
// The Node.js version was checked before either (`prestart`: scripts/check-node-version.cjs).
import { runServices } from '@tenantry/runtime';
import { allServices } from './services';
import { startupLine } from './startup-line';

// The line must come after the start-up log lines, some of which the loggers' streams still hold when
// the last server listens: it is written once they had a moment to flush (a human reads it, nothing waits on it).
const AFTER_LOGS_FLUSHED_MS = 300;

void runServices(allServices, { processName: 'all-in-one' }).then(
  (running) => setTimeout(() => process.stderr.write(`\n${startupLine(running)}`), AFTER_LOGS_FLUSHED_MS).unref(),
  () => process.exit(1),
);
