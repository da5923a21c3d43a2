import {
  applyPendingCredits,
  MAX_REMEMBERED_SLA_REPORTS,
  withPendingCredit,
  type PendingSlaCredit,
  type SlaCreditLedger,
} from './sla-credit-ledger';

/** `withPendingCredit` when the test knows the report is new. */
function added(ledger: SlaCreditLedger | undefined, pending: PendingSlaCredit): SlaCreditLedger {
  const next = withPendingCredit(ledger, pending);
  if (!next) throw new Error(`${pending.reportId} was already known`);
  return next;
}

const credit = (reportId: string, month: string, creditCents = 1_990): PendingSlaCredit => ({
  reportId,
  month,
  creditCents,
  description: `SLA credit ${month}`,
  periodStart: new Date(`${month}-01T00:00:00Z`),
  periodEnd: new Date(`${month}-28T00:00:00Z`),
});

describe('the SLA credit ledger of an account', () => {
  it('when a report is already pending or already applied, then adding it again changes nothing', () => {
    const pending = added(undefined, credit('r1', '2025-01'));
    expect(withPendingCredit(pending, credit('r1', '2025-01'))).toBeNull();
    const { ledger: applied } = applyPendingCredits(pending);
    expect(applied).toEqual({ pending: [], appliedReportIds: ['r1'] });
    expect(withPendingCredit(applied, credit('r1', '2025-01'))).toBeNull();
  });

  it('when credits are applied, then each becomes one negative sla_credit line, oldest month first, whatever order they came in', () => {
    const ledger = added(added(undefined, credit('r2', '2025-02', 500)), credit('r1', '2025-01', 700));
    const { lines, ledger: after } = applyPendingCredits(ledger);
    expect(lines.map((line) => [line.kind, line.description, line.amountCents])).toEqual([
      ['sla_credit', 'SLA credit 2025-01', -700],
      ['sla_credit', 'SLA credit 2025-02', -500],
    ]);
    expect(after).toEqual({ pending: [], appliedReportIds: ['r1', 'r2'] });
  });

  it('when nothing is pending, then no line is added and the ledger stays as it was', () => {
    expect(applyPendingCredits(undefined)).toEqual({ lines: [], ledger: undefined });
    const empty = { pending: [], appliedReportIds: ['r1'] };
    expect(applyPendingCredits(empty)).toEqual({ lines: [], ledger: empty });
  });

  it('when more reports were applied than it remembers, then it keeps the newest ones', () => {
    const full = { pending: [], appliedReportIds: Array.from({ length: MAX_REMEMBERED_SLA_REPORTS }, (_, i) => `old${i}`) };
    const ledger = applyPendingCredits(added(full, credit('new', '2030-01'))).ledger;
    expect(ledger?.appliedReportIds).toHaveLength(MAX_REMEMBERED_SLA_REPORTS);
    expect(ledger?.appliedReportIds.at(-1)).toBe('new');
    expect(ledger?.appliedReportIds).not.toContain('old0');
  });
});
