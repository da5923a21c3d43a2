import { ConflictError, type EventData } from '@tenantry/contracts';
import type { HousekeepingTask } from '@tenantry/runtime';
import type { Logger } from '@tenantry/telemetry';
import type { AccountRepository } from '../accounts/account.collection';
import type { ParkedSlaCreditRepository } from './parked-sla-credit.collection';
import { withPendingCredit, type PendingSlaCredit } from './sla-credit-ledger';

/** A write that keeps losing races to concurrent writers gives up (and is retried by the bus) after this many re-reads. */
const MAX_WRITE_ATTEMPTS = 5;
/** How often parked credits are looked at for an account that now exists. */
export const PARKED_SLA_CREDITS_INTERVAL_MS = 30_000;
const PARKED_BATCH = 200;

const percent = (fraction: number): string => `${Number((fraction * 100).toFixed(3))}%`;

/** The one place `sla.breached` data is read: the credit billing will put on the next invoice. */
export function pendingCreditOf(data: EventData<'sla.breached'>): PendingSlaCredit {
  return {
    reportId: data.report_id,
    month: data.month,
    creditCents: data.credit_cents,
    description: `SLA credit ${data.month}: ${percent(data.achieved)} available against ${percent(data.objective)} promised (${data.credit_percent}% of the month's fee)`,
    periodStart: new Date(data.period.start),
    periodEnd: new Date(data.period.end),
  };
}

export interface SlaCreditsDeps {
  accounts: AccountRepository;
  parked: ParkedSlaCreditRepository;
  logger: Logger;
}

/**
 * Receives the SLA credits observability reports (`sla.breached`) and keeps them pending on the billing
 * account until its next invoice (AccountTransition.issue takes them). Exactly once per report id: the
 * credit is added in a conditional write on the account that first checks the report is not already
 * pending or applied, so redeliveries, replicas and restarts all converge on one credit.
 */
export class SlaCredits {
  constructor(private readonly deps: SlaCreditsDeps) {}

  async receive(data: EventData<'sla.breached'>): Promise<void> {
    const credit = pendingCreditOf(data);
    if (await this.addToAccount(data.tenant_id, credit)) return;
    // No account yet: park it, then look again in case the account was opened in between.
    await this.deps.parked.insert(data.tenant_id, withoutReportId(credit), { id: credit.reportId }).catch((error: unknown) => {
      if (!(error instanceof ConflictError)) throw error; // parked already (a redelivery)
    });
    this.deps.logger.info(
      { tenantId: data.tenant_id, reportId: credit.reportId },
      'SLA credit parked until the tenant has a billing account',
    );
    await this.adopt(data.tenant_id, credit);
  }

  /** Moves every parked credit whose account now exists onto it; resolves to how many moved. */
  async adoptParked(): Promise<number> {
    let moved = 0;
    let cursor: string | undefined;
    // Page through all of them: credits of tenants that never got an account must not hide the others.
    do {
      const page = await this.deps.parked.admin.listAcrossTenants({ limit: PARKED_BATCH, sort: 'asc', ...(cursor ? { cursor } : {}) });
      for (const parked of page.items) {
        const { id, tenantId, version: _version, createdAt: _createdAt, updatedAt: _updatedAt, ...fields } = parked;
        if (await this.adopt(tenantId, { reportId: id, ...fields })) moved += 1;
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return moved;
  }

  /** The housekeeping task that runs `adoptParked` on every replica (adopting twice is harmless). */
  adoptionTask(): HousekeepingTask {
    return { name: 'billing-adopt-parked-sla-credits', intervalMs: PARKED_SLA_CREDITS_INTERVAL_MS, run: () => this.adoptParked() };
  }

  private async adopt(tenantId: string, credit: PendingSlaCredit): Promise<boolean> {
    if (!(await this.addToAccount(tenantId, credit))) return false;
    await this.deps.parked.delete(tenantId, credit.reportId).catch(() => undefined); // gone already: another replica adopted it
    return true;
  }

  /** Adds the credit to the account (or finds it there already); false when the tenant has no account. */
  private async addToAccount(tenantId: string, credit: PendingSlaCredit): Promise<boolean> {
    for (let attempt = 1; ; attempt += 1) {
      const account = await this.deps.accounts.findById(tenantId, tenantId);
      if (!account) return false;
      const slaCredits = withPendingCredit(account.slaCredits, credit);
      if (!slaCredits) return true;
      try {
        await this.deps.accounts.update(tenantId, tenantId, { slaCredits }, { expectedVersion: account.version });
        this.deps.logger.info(
          { tenantId, reportId: credit.reportId, creditCents: credit.creditCents },
          'SLA credit pending for the next invoice',
        );
        return true;
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
      }
    }
  }
}

function withoutReportId({ reportId: _reportId, ...rest }: PendingSlaCredit): Omit<PendingSlaCredit, 'reportId'> {
  return rest;
}
