/**
 * Load before any application code so the instrumentations can patch `http` and `express` as they
 * are first required:
 *   node --import tsx --import ./libs/platform/telemetry/src/register.ts apps/<app>/src/main.ts
 * Configuration is by the standard OTEL_* variables only (see `startTelemetry`).
 */
import { startTelemetry } from './sdk';

startTelemetry();
