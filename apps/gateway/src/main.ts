// The gateway service alone in its own process (real infrastructure from KAFKA_BROKERS, MONGODB_URI, REDIS_URL).
// Telemetry is loaded before this file: tsx --import ./libs/platform/telemetry/src/register.ts (see project.json).
import { runServices } from '@tenantry/runtime';
import { gatewayService } from '@tenantry/gateway';

void runServices([gatewayService], { processName: 'gateway' }).catch(() => process.exit(1));
