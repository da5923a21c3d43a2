// Embedded mode (`npm start`): the gateway and every service in ONE process, each on its own port,
// sharing one platform — in-memory adapters unless KAFKA_BROKERS / MONGODB_URI / REDIS_URL are set.
// Telemetry is loaded before this file: tsx --import ./libs/platform/telemetry/src/register.ts.
// The Node.js version was checked before either (`prestart`: scripts/check-node-version.cjs).
import { runServices } from '@tenantry/runtime';
import { allServices } from './services';
import { startupLine } from './startup-line';

void runServices(allServices, { processName: 'all-in-one' }).then(
  (running) => process.stderr.write(`\n${startupLine(running)}`),
  () => process.exit(1),
);
