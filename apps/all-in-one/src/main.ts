// Embedded mode (`npm start`): the gateway and every service in ONE process, each on its own port,
// sharing one platform — in-memory adapters unless KAFKA_BROKERS / MONGODB_URI / REDIS_URL are set.
// Telemetry is loaded before this file: tsx --import ./libs/platform/telemetry/src/register.ts.
import { runServices } from '@tenantry/runtime';
import { allServices } from './services';

void runServices(allServices, { processName: 'all-in-one' }).catch(() => process.exit(1));
