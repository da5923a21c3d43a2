// The billing service alone in its own process (real infrastructure from KAFKA_BROKERS, MONGODB_URI, REDIS_URL).
// Telemetry is loaded before this file: tsx --import ./libs/platform/telemetry/src/register.ts (see project.json).
import { runServices } from '@tenantry/runtime';
import { billingService } from '@tenantry/billing';

void runServices([billingService], { processName: 'billing' }).catch(() => process.exit(1));
