import type { Logger } from '@tenantry/telemetry';

/** Runs `evaluate` every `intervalMs` on `clock`, never two evaluations at once in this process. */
export function startEvaluationLoop(
  evaluate: (now: Date) => Promise<unknown>,
  options: { intervalMs: number; clock: () => Date; logger: Logger },
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const tick = (): void => {
    if (running) return;
    running = evaluate(options.clock())
      .then(() => undefined)
      .catch((error: unknown) => options.logger.warn({ err: error }, 'SLO evaluation failed; retried at the next tick'))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
