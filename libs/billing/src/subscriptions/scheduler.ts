import type { Logger } from '@tenantry/telemetry';
import type { Subscriptions } from './subscriptions';

/** Bounds one pass, so a pass always ends (the next one continues). */
const MAX_BATCHES_PER_PASS = 20;

/**
 * Runs the subscriptions' due work (trial ends, renewals, scheduled changes) every `intervalMs`. Every
 * billing replica runs one; they cannot double-bill, because each account is advanced by a conditional
 * write that only one of them wins. A pass that fills its batch runs again at once.
 */
export class BillingScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: { subscriptions: Subscriptions; intervalMs: number; batch: number; logger: Logger }) {}

  start(): void {
    this.schedule(0);
  }

  /** One pass now (also used by tests and the scheduler itself); resolves when it is done. */
  async runOnce(): Promise<number> {
    let total = 0;
    for (let batches = 0; batches < MAX_BATCHES_PER_PASS; batches += 1) {
      const advanced = await this.deps.subscriptions.advanceDue(this.deps.batch);
      total += advanced;
      if (advanced < this.deps.batch || this.stopped) break;
    }
    return total;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then(
          (advanced) => {
            if (advanced > 0) this.deps.logger.info({ advanced }, 'billing accounts advanced (renewals, trial ends, scheduled changes)');
          },
          (error: unknown) => this.deps.logger.warn({ err: error }, 'billing scheduler pass failed; the next pass retries'),
        )
        .finally(() => this.schedule(this.deps.intervalMs));
    }, delayMs);
    this.timer.unref();
  }
}
