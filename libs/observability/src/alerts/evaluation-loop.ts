import type { Logger } from '@tenantry/telemetry';
import type { AlertEvaluator, EvaluationResult } from './alert-evaluator';

/** Runs the evaluator every `intervalMs` on `clock`, never two evaluations at once in this process. */
export function startEvaluationLoop(evaluator: AlertEvaluator, options: { intervalMs: number; clock: () => Date; logger: Logger; onResult?: (result: EvaluationResult) => void }): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const tick = (): void => {
    if (running) return;
    running = evaluator
      .evaluate(options.clock())
      .then((result) => options.onResult?.(result))
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
