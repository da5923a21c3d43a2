import { z } from 'zod';
import { singleUnitLine, type LineDraft } from '../domain';

/** How many applied report ids an account remembers: five years of monthly reports, far beyond any redelivery. */
export const MAX_REMEMBERED_SLA_REPORTS = 60;

/** A credit owed for a missed SLA, waiting for the tenant's next invoice. */
export const pendingSlaCreditSchema = z.object({
  reportId: z.string().min(1).max(200),
  month: z.string().regex(/^\d{4}-\d{2}$/),
  creditCents: z.number().int().nonnegative(),
  /** What the tenant reads on the invoice line. */
  description: z.string().min(1).max(300),
  periodStart: z.date(),
  periodEnd: z.date(),
});
export type PendingSlaCredit = z.output<typeof pendingSlaCreditSchema>;

/**
 * The SLA credits of one billing account, kept ON the account document: a credit becomes pending and
 * later turns into an invoice line in the same conditional write that issues the invoice, so it is
 * applied exactly once whatever the replicas and redeliveries. `appliedReportIds` remembers what was
 * already credited, so a report redelivered after it was applied is still recognised.
 */
export const slaCreditLedgerSchema = z.object({
  pending: z.array(pendingSlaCreditSchema).max(MAX_REMEMBERED_SLA_REPORTS),
  appliedReportIds: z.array(z.string().min(1).max(200)).max(MAX_REMEMBERED_SLA_REPORTS),
});
export type SlaCreditLedger = z.output<typeof slaCreditLedgerSchema>;

export function knowsReport(ledger: SlaCreditLedger | undefined, reportId: string): boolean {
  return !!ledger && (ledger.appliedReportIds.includes(reportId) || ledger.pending.some((credit) => credit.reportId === reportId));
}

/** The ledger with `credit` pending, or null when its report is already pending or applied (a redelivery). */
export function withPendingCredit(ledger: SlaCreditLedger | undefined, credit: PendingSlaCredit): SlaCreditLedger | null {
  if (knowsReport(ledger, credit.reportId)) return null;
  const pending = [...(ledger?.pending ?? []), credit].sort(
    (a, b) => a.month.localeCompare(b.month) || a.reportId.localeCompare(b.reportId),
  );
  return { pending: pending.slice(-MAX_REMEMBERED_SLA_REPORTS), appliedReportIds: ledger?.appliedReportIds ?? [] };
}

/**
 * The invoice lines of every pending credit (negative `sla_credit` lines, oldest month first) and the
 * ledger once they are applied. Settling the document against them follows billing's credit rules: an
 * invoice never goes below zero, what is left over becomes credit balance (see domain/settlement.ts).
 */
export function applyPendingCredits(ledger: SlaCreditLedger | undefined): { lines: LineDraft[]; ledger: SlaCreditLedger | undefined } {
  if (!ledger || ledger.pending.length === 0) return { lines: [], ledger };
  const lines = ledger.pending
    .filter((credit) => credit.creditCents > 0)
    .map((credit) =>
      singleUnitLine('sla_credit', credit.description, -credit.creditCents, { start: credit.periodStart, end: credit.periodEnd }),
    );
  const appliedReportIds = [...ledger.appliedReportIds, ...ledger.pending.map((credit) => credit.reportId)].slice(
    -MAX_REMEMBERED_SLA_REPORTS,
  );
  return { lines, ledger: { pending: [], appliedReportIds } };
}
