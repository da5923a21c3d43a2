// The observability service alone in its own process (real infrastructure from KAFKA_BROKERS, MONGODB_URI, REDIS_URL).
// Telemetry is loaded before this file: tsx --import ./libs/platform/telemetry/src/register.ts (see project.json).
import { runServices } from '@tenantry/runtime';
import { observabilityService } from '@tenantry/observability';

void runServices([observabilityService], { processName: 'observability' }).catch(() => process.exit(1));
