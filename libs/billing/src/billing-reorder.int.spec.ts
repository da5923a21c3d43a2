import { createEvent, invoiceViewSchema, subscriptionViewSchema } from '@tenantry/contracts';
import { describeWithInfra, eventually, uniqueName } from '@tenantry/testing';
import { ADMIN, startBillingHarness, type BillingHarness } from './test-support/billing-harness';

jest.setTimeout(120_000);

const M = '/api/v1/monetization';

/**
 * Tenant events travel on three Kafka topics, so a cancellation can reach billing before the creation
 * it follows. On the real broker and database (topics and groups in a namespace of their own), billing
 * must still end with the trial cancelled and never invoice the tenant.
 */
describeWithInfra('billing when tenant events overtake each other on Kafka', ['kafka', 'mongo'], (infra) => {
  const start = new Date('2025-03-01T10:00:00Z');
  let billing: BillingHarness;

  beforeAll(async () => {
    billing = await startBillingHarness({
      env: {
        KAFKA_BROKERS: infra.kafkaBrokers.join(','),
        KAFKA_NAMESPACE: uniqueName('reorder'),
        MONGODB_URI: infra.mongodbUri,
        ADMIN_API_KEY: 'int-test-admin-key'.padEnd(40, 'a'),
      },
      start,
    });
  });
  afterAll(async () => {
    await billing?.close();
  });

  it('when tenant.status_changed to cancelled is handled before tenant.created, then the trial ends cancelled and nothing is ever invoiced', async () => {
    const tenantId = uniqueName('ten');
    const source = '/tenantry/tenants';
    const trialEndsAt = new Date(start.getTime() + 14 * 86_400_000);
    await billing.platform.bus.publish([
      createEvent('tenant.status_changed', {
        tenantId,
        source,
        data: { tenant_id: tenantId, from: 'trial', to: 'cancelled', changed_by: 'admin', changed_at: start.toISOString(), revision: 2 },
      }),
    ]);
    // The cancellation has been handled: billing holds an account for a tenant it has not seen created.
    await eventually(async () => (await billing.billing.subscriptions.account(tenantId).catch(() => null))?.tenant.status === 'cancelled', {
      timeoutMs: 30_000,
      description: 'the cancellation handled first',
    });

    await billing.platform.bus.publish([
      createEvent('tenant.created', {
        tenantId,
        source,
        data: {
          tenant_id: tenantId,
          name: 'Acme',
          subscription_tier: 'pro',
          status: 'trial',
          timezone: 'UTC',
          trial_ends_at: trialEndsAt.toISOString(),
          created_at: start.toISOString(),
          revision: 1,
        },
      }),
    ]);
    const cancelled = await eventually(
      () =>
        billing.eventsOf(tenantId, 'subscription.cancelled').length > 0 ? billing.eventsOf(tenantId, 'subscription.cancelled') : false,
      {
        timeoutMs: 30_000,
        description: 'subscription.cancelled published',
      },
    );
    expect(cancelled[0]?.data).toMatchObject({ timing: 'immediate', reason: 'tenant cancelled' });

    // Past the trial's end the scheduler finds nothing to bill.
    billing.clock.set(new Date(trialEndsAt.getTime() + 86_400_000));
    await billing.runScheduler();
    const subscriptions = await billing.call<{ items: unknown[] }>(ADMIN, 'GET', `${M}/subscriptions?tenant_id=${tenantId}`);
    expect(subscriptions.body.items.map((item) => subscriptionViewSchema.parse(item))).toMatchObject([
      { plan_id: 'pro', status: 'cancelled' },
    ]);
    const invoices = await billing.call<{ items: unknown[] }>(ADMIN, 'GET', `${M}/invoices?tenant_id=${tenantId}&limit=100`);
    expect(
      invoices.body.items.map((item) => invoiceViewSchema.parse(item)).filter((invoice) => invoice.document_type === 'invoice'),
    ).toEqual([]);
    expect(billing.eventsOf(tenantId, 'invoice.issued').filter((event) => event.data.document_type === 'invoice')).toEqual([]);
  });
});
