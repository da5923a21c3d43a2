import type { InvoiceView, PlanId, SubscriptionView, TenantryEvent } from '@tenantry/contracts';
import { signIdentity, type Identity } from '@tenantry/http';
import { eventually } from '@tenantry/testing';
import { ADMIN, tenantKey, type BillingHarness, type Reply } from '../../test-support/billing-harness';

/**
 * Helpers for the HTTP-level specs of the billing routes: requests the harness's `call` cannot make
 * (extra headers, a raw body), a tenant with a paid subscription, the state a client can see, and the
 * proof that refused requests emitted nothing.
 */

const PROBLEM = (type: string): string => `https://tenantry.dev/problems/${type}`;

export interface SendOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, with `contentType` (default JSON). */
  rawBody?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** A request signed like the gateway's, with the headers and body bytes the test chooses. */
export async function send<T = unknown>(
  h: BillingHarness,
  identity: Identity | null,
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<Reply<T>> {
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const signed = { method, url: path, audience: 'billing', ...(body === undefined ? {} : { bodyLength: Buffer.byteLength(body) }) };
  const headers: Record<string, string> = {
    ...(identity ? signIdentity(identity, signed, h.platform.config.internalSecret.value) : {}),
    ...options.headers,
  };
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${h.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const raw = await response.text();
  return { status: response.status, headers: response.headers, body: (raw ? JSON.parse(raw) : undefined) as T };
}

/** Asserts a problem+json answer of `status` and `type`, naming at least `fields` among its failing fields. */
export function expectProblem(reply: Reply, status: number, type: string, fields: readonly string[] = []): void {
  expect({ status: reply.status, contentType: reply.headers.get('content-type') }).toEqual({
    status,
    contentType: expect.stringContaining('application/problem+json'),
  });
  expect(reply.body).toMatchObject({ type: PROBLEM(type), status, detail: expect.any(String) });
  if (fields.length > 0) {
    const named = ((reply.body as { errors?: Array<{ field: string }> }).errors ?? []).map((issue) => issue.field);
    expect(named).toEqual(expect.arrayContaining([...fields]));
  }
}

/** A new tenant on its 14-day trial, its `subscription.created` already observed. */
export async function trialTenant(h: BillingHarness, options: { timezone?: string } = {}): Promise<string> {
  const tenantId = await h.openTenant(options.timezone ? { timezone: options.timezone } : {});
  await eventually(() => h.eventsOf(tenantId, 'subscription.created').length === 1, { description: `the trial of ${tenantId}` });
  return tenantId;
}

export interface PaidTenant {
  tenantId: string;
  subscriptionId: string;
  /** The invoice the subscription started with. */
  invoiceId: string;
}

/**
 * A tenant whose trial was ended early on `plan_id` (its first invoice issued), with every event of that
 * set-up already observed, so a test can count what comes after.
 */
export async function paidTenant(
  h: BillingHarness,
  options: { planId?: PlanId; interval?: 'monthly' | 'annual'; timezone?: string } = {},
): Promise<PaidTenant> {
  const tenantId = await h.openTenant(options.timezone ? { timezone: options.timezone } : {});
  const reply = await h.call<{ subscription: SubscriptionView; invoice: InvoiceView }>(
    tenantKey(tenantId),
    'POST',
    '/api/v1/monetization/subscribe',
    {
      plan_id: options.planId ?? 'basic',
      interval: options.interval ?? 'monthly',
    },
  );
  if (reply.status !== 201 || !reply.body.invoice.id)
    throw new Error(`subscribing ${tenantId} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  const invoiceId = reply.body.invoice.id;
  await eventually(
    () =>
      h.eventsOf(tenantId, 'invoice.issued').some((event) => event.data.invoice_id === invoiceId) &&
      h.eventsOf(tenantId, 'subscription.activated').length === 1,
    {
      description: `the set-up events of ${tenantId}`,
    },
  );
  return { tenantId, subscriptionId: reply.body.subscription.id, invoiceId };
}

/** What the platform admin sees of a tenant's billing: its subscriptions and its invoices, newest first. */
export async function adminView(
  h: BillingHarness,
  tenantId: string,
): Promise<{ subscriptions: SubscriptionView[]; invoices: InvoiceView[] }> {
  const subscriptions = await h.call<{ items: SubscriptionView[] }>(
    ADMIN,
    'GET',
    `/api/v1/monetization/subscriptions?tenant_id=${tenantId}`,
  );
  const invoices = await h.call<{ items: InvoiceView[] }>(ADMIN, 'GET', `/api/v1/monetization/invoices?tenant_id=${tenantId}&limit=100`);
  if (subscriptions.status !== 200 || invoices.status !== 200)
    throw new Error(`the admin could not read ${tenantId}: ${subscriptions.status}, ${invoices.status}`);
  return { subscriptions: subscriptions.body.items, invoices: invoices.body.items };
}

/** What a client can see of a tenant before a request, to compare with afterwards. */
export interface Snapshot {
  tenantId: string;
  view: Awaited<ReturnType<typeof adminView>>;
  /** How many of the tenant's events had been observed. */
  seen: number;
}

export async function snapshot(h: BillingHarness, tenantId: string): Promise<Snapshot> {
  return { tenantId, view: await adminView(h, tenantId), seen: tenantEvents(h, tenantId).length };
}

/** The admin sees the tenant as in `before`, and nothing was emitted since (a marker write follows: call it last). */
export async function expectUntouched(h: BillingHarness, before: Snapshot): Promise<void> {
  expect(await adminView(h, before.tenantId)).toEqual(before.view);
  await expectNoEventsSince(h, before.tenantId, before.seen);
}

const tenantEvents = (h: BillingHarness, tenantId: string): TenantryEvent[] => h.events.filter((event) => event.subject === tenantId);

/**
 * Asserts that nothing the tenant did since `seen` of its events had been observed emitted an event,
 * without waiting for a quiet period: a marker write is made now (the live subscription cancelled at
 * once, or a new one started when none is live). The outbox relays one tenant's events in commit
 * order, so an event an earlier request committed is published with or before the marker's, and the
 * in-memory bus has delivered it by the time the marker's events are in. Then the marker's events must
 * be all there is. The marker changes the tenant: call this last.
 */
async function expectNoEventsSince(h: BillingHarness, tenantId: string, seen: number): Promise<void> {
  const { subscriptions } = await adminView(h, tenantId);
  const live = subscriptions.find((subscription) => subscription.status !== 'cancelled');
  const expected: string[] = [];
  if (live) {
    const reply = await h.call<{ credit_note: InvoiceView | null }>(ADMIN, 'POST', `/api/v1/monetization/subscriptions/${live.id}/cancel`, {
      timing: 'immediate',
      reason: 'marker',
    });
    if (reply.status !== 200) throw new Error(`the marker cancellation answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    expected.push(`subscription.cancelled ${live.id}`);
    if (reply.body.credit_note?.id) expected.push(`invoice.issued ${reply.body.credit_note.id}`);
    // A credit note that covers what is still due on an invoice it credits pays it.
    for (const { invoice_id: credited } of reply.body.credit_note?.applied_to_invoices ?? []) {
      const invoice = await h.call<InvoiceView>(ADMIN, 'GET', `/api/v1/monetization/invoices/${credited}`);
      if (invoice.body.status === 'paid' && invoice.body.payment_reference === reply.body.credit_note?.id)
        expected.push(`invoice.paid ${credited}`);
    }
  } else {
    const reply = await h.call<{ subscription: SubscriptionView; invoice: InvoiceView }>(
      ADMIN,
      'POST',
      `/api/v1/monetization/subscribe?tenant_id=${encodeURIComponent(tenantId)}`,
      { plan_id: 'basic' },
    );
    if (reply.status !== 201) throw new Error(`the marker subscription answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    expected.push(`subscription.created ${reply.body.subscription.id}`, `invoice.issued ${String(reply.body.invoice.id)}`);
  }
  const since = () => tenantEvents(h, tenantId).slice(seen).map(describeEvent);
  await eventually(() => expected.every((marker) => since().includes(marker)), { description: `the marker events of ${tenantId}` });
  expect(since().sort()).toEqual([...expected].sort());
}

/** `<type> <the id it is about>`: enough to tell one event from another in a failure message. */
function describeEvent(event: TenantryEvent): string {
  const data = event.data as { invoice_id?: string; subscription_id?: string };
  return `${event.type} ${data.invoice_id ?? data.subscription_id ?? ''}`;
}
