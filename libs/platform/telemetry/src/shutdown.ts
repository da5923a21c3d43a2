import { resetHttpServerInstruments } from './http-metrics';
import { resetTelemetryState, telemetryState } from './state';

/**
 * Flushes pending spans and stops the SDK (or the lazily made meter provider). Call it last when the
 * process stops; safe to call when nothing was started, and more than once.
 */
export async function shutdownTelemetry(): Promise<void> {
  const { shutdown } = telemetryState();
  resetTelemetryState();
  resetHttpServerInstruments();
  if (shutdown) await shutdown();
}
