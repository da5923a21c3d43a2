import { ConflictError, type TenantStatus } from '@tenantry/contracts';

/**
 * The tenant lifecycle (MISSION §4): trial → active → suspended ⇄ active → cancelled; a trial may also
 * be suspended or cancelled directly. Cancelled is final. Staying in the same status is not a change.
 */
export const STATUS_TRANSITIONS: Readonly<Record<TenantStatus, readonly TenantStatus[]>> = {
  trial: ['active', 'suspended', 'cancelled'],
  active: ['suspended', 'cancelled'],
  suspended: ['active', 'cancelled'],
  cancelled: [],
};

export function canTransition(from: TenantStatus, to: TenantStatus): boolean {
  return STATUS_TRANSITIONS[from].includes(to);
}

/** 409 naming both ends and what would have been allowed. */
export function assertTransition(tenantId: string, from: TenantStatus, to: TenantStatus): void {
  if (canTransition(from, to)) return;
  const allowed = STATUS_TRANSITIONS[from];
  const why =
    from === to
      ? `it is already ${to}`
      : allowed.length === 0
        ? `${from} is final`
        : `from ${from} it can only become ${allowed.join(', ')}`;
  throw new ConflictError(`Tenant ${tenantId} cannot change from ${from} to ${to}: ${why}.`, { from, to, allowed });
}
