import { createEvent } from '@tenantry/contracts';
import { deliverInEveryOrder, type ConsumerUnderTest } from '@tenantry/testing';
import { inMemoryBilling } from '../test-support/in-memory-billing';
import { tenantFactsOf, type TenantEvent } from './tenant-facts';

/**
 * Billing's tenant consumer against every order the three tenant topics allow (and redeliveries):
 * whatever the order, the account ends the same, and a tenant cancelled before, between or after its
 * other events is never invoiced — not even once its trial would have converted.
 */

const T0 = new Date('2025-03-01T10:00:00Z');
const TRIAL_END = new Date('2025-03-15T10:00:00Z');
const TENANT = 'ten_permutations0001';

const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000).toISOString();

function created(revision = 1): TenantEvent {
  return createEvent('tenant.created', {
    tenantId: TENANT,
    source: '/tenantry/tenants',
    data: {
      tenant_id: TENANT,
      name: 'Acme',
      subscription_tier: 'pro',
      status: 'trial',
      timezone: 'UTC',
      billing_email: 'old@acme.test',
      trial_ends_at: TRIAL_END.toISOString(),
      created_at: at(0),
      revision,
    },
  });
}

function updated(revision: number, changes: { timezone?: string; billing_email?: string | null }): TenantEvent {
  return createEvent('tenant.updated', {
    tenantId: TENANT,
    source: '/tenantry/tenants',
    data: { tenant_id: TENANT, changes, updated_at: at(revision), revision },
  });
}

function statusChanged(revision: number, from: 'trial' | 'active' | 'suspended', to: 'active' | 'suspended' | 'cancelled'): TenantEvent {
  return createEvent('tenant.status_changed', {
    tenantId: TENANT,
    source: '/tenantry/tenants',
    data: { tenant_id: TENANT, from, to, changed_by: 'admin', changed_at: at(revision), revision },
  });
}

/**
 * A fresh billing (in memory, its clock at T0) fed one event at a time. Its state is what a user would
 * see once the trial's end has passed and the scheduler has run: the tenant as billing knows it, the
 * subscriptions and every invoice or credit note issued.
 */
const billingTenantConsumer: ConsumerUnderTest<TenantEvent, unknown> = {
  async start() {
    const { subscriptions, invoices, timezones, setNow, close } = await inMemoryBilling(T0);
    return {
      deliver: (event) => subscriptions.followTenant(tenantFactsOf(event)),
      async state() {
        setNow(new Date(TRIAL_END.getTime() + 60_000));
        await subscriptions.advanceDue(10);
        const account = await subscriptions.account(TENANT);
        const documents = await invoices.list(TENANT, { limit: 100 });
        const subscriptionIds = await Promise.all(account.subscriptions.map((subscription) => subscriptions.tenantOf(subscription.id)));
        return {
          tenant: {
            status: account.tenant.status,
            timezone: await timezones.timezoneOf(TENANT),
            billing_email: account.tenant.billingEmail,
          },
          subscriptions: account.subscriptions.map(({ planId, status, cancelReason }) => ({ planId, status, cancelReason })),
          indexedUnderTheTenant: subscriptionIds,
          documents: documents.items.map(({ document_type, reason, total_cents }) => ({ document_type, reason, total_cents })),
        };
      },
      close,
    };
  },
};

describe('billing tenant events in any order', () => {
  it('when a tenant is cancelled during its trial, then every order ends with the trial cancelled and nothing invoiced', async () => {
    const history = [
      created(),
      updated(2, { timezone: 'Europe/Ljubljana' }),
      updated(3, { billing_email: 'billing@acme.test' }),
      statusChanged(4, 'trial', 'cancelled'),
    ];
    const report = await deliverInEveryOrder(billingTenantConsumer, history, { duplicates: 2 });
    expect(report.orders).toBe(24);
    expect(report.state).toEqual({
      tenant: { status: 'cancelled', timezone: 'Europe/Ljubljana', billing_email: 'billing@acme.test' },
      subscriptions: [{ planId: 'pro', status: 'cancelled', cancelReason: 'tenant cancelled' }],
      indexedUnderTheTenant: [TENANT],
      documents: [],
    });
  });

  it('when a tenant is suspended and reactivated and its e-mail removed, then every order converts the trial once, to the newest settings', async () => {
    const history = [
      created(),
      statusChanged(2, 'trial', 'suspended'),
      updated(3, { billing_email: null, timezone: 'Asia/Tokyo' }),
      statusChanged(4, 'suspended', 'active'),
      updated(5, { timezone: 'America/New_York' }),
    ];
    const report = await deliverInEveryOrder(billingTenantConsumer, history, { duplicates: 3, seed: 7 });
    expect(report.orders).toBe(120);
    expect(report.state).toEqual({
      tenant: { status: 'active', timezone: 'America/New_York', billing_email: undefined },
      subscriptions: [{ planId: 'pro', status: 'active', cancelReason: undefined }],
      indexedUnderTheTenant: [TENANT],
      documents: [{ document_type: 'invoice', reason: 'trial_conversion', total_cents: 19900 }],
    });
  });

  it('when only events that overtook tenant.created have arrived, then the tenant is not billed and its time zone is not guessed', async () => {
    const run = await billingTenantConsumer.start();
    await run.deliver(statusChanged(2, 'trial', 'active'));
    await expect(run.state()).resolves.toMatchObject({ tenant: { status: 'active', timezone: null }, subscriptions: [], documents: [] });
    await run.close?.();
  });
});
