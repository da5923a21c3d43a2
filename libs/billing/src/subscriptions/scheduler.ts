import type { Logger } from '@tenantry/telemetry';
import type { Invoices } from '../invoices/invoices';
import type { Subscriptions } from './subscriptions';

/** Bounds one pass, so a pass always ends (the next one continues). */
const MAX_BATCHES_PER_PASS = 20;

/**
 * Runs the due work (trial ends, renewals, scheduled changes, then invoices gone overdue) every `intervalMs`. Every
 * billing replica runs one; they cannot double-bill, because each account is advanced by a conditional
 * write that only one of them wins. A pass that fills its batch runs again at once.
 */
export class BillingScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly deps: { subscriptions: Subscriptions; invoices: Invoices; intervalMs: number; batch: number; logger: Logger },
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** One pass now (also used by tests and the scheduler itself); resolves with how many accounts and invoices it moved on. */
  async runOnce(): Promise<number> {
    // Accounts first: a renewal issues invoices, and settling a balance may pay them before they are due.
    return (
      (await this.inBatches((batch) => this.deps.subscriptions.advanceDue(batch))) +
      (await this.inBatches((batch) => this.deps.invoices.markOverdue(batch)))
    );
  }

  private async inBatches(step: (batch: number) => Promise<number>): Promise<number> {
    let total = 0;
    for (let batches = 0; batches < MAX_BATCHES_PER_PASS; batches += 1) {
      const done = await step(this.deps.batch);
      total += done;
      if (done < this.deps.batch || this.stopped) break;
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
            if (advanced > 0)
              this.deps.logger.info(
                { advanced },
                'billing scheduler pass: accounts advanced (renewals, trial ends, scheduled changes) and invoices marked overdue',
              );
          },
          (error: unknown) => this.deps.logger.warn({ err: error }, 'billing scheduler pass failed; the next pass retries'),
        )
        .finally(() => this.schedule(this.deps.intervalMs));
    }, delayMs);
    this.timer.unref();
  }
}
