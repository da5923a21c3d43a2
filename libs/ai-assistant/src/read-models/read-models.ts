import { createHash } from 'node:crypto';
import type { AdminReads, ListOptions, Persistence, Stored } from '@tenantry/persistence';
import { correlateIncidents, DEFAULT_INCIDENT_POLICY, newestFirst, type Incident, type IncidentPolicy } from '../incidents/correlate';
import { alertsCollection, type AlertRecord, type AlertRepository } from './alert.collection';
import { invoicesCollection, type InvoiceRecord, type InvoiceRepository } from './invoice.collection';
import { planDocumentId, plansCollection, type PlanRepository, type TenantPlan } from './plan.collection';
import { ticketsCollection, type Ticket, type TicketRepository } from '../tickets/ticket.collection';
import { usageCalendarId, usageCalendarsCollection, type UsageCalendarRepository } from './usage-calendar.collection';
import { usageDayId, usageDaysCollection, type UsageDay, type UsageDayRepository } from './usage-day.collection';

/** The most documents one read takes (a tenant's days, invoices): bounded so one action cannot read without end. */
const MAX_DOCUMENTS = 1_000;
/** The most documents one platform-wide read takes (every tenant's plans, invoices or usage days). */
export const MAX_DOCUMENTS_ACROSS_TENANTS = 20_000;
/** Point reads of one tenant's usage days in flight at once. */
const DAY_READS_AT_ONCE = 16;

/** What a platform-wide read got: the documents, and whether it stopped at the bound (then the answer says so). */
export interface AcrossTenants<T> {
  items: T[];
  truncated: boolean;
}

/**
 * The assistant's own copies of the platform's data, built from events (see follow-events.ts), and the
 * reads the actions make of them. Every read also reports what it read as (id, version) pairs, from
 * which the result cache keys a `data_version`: the same action on the same data answers from the cache.
 */
export class ReadModels {
  private constructor(
    readonly usageDays: UsageDayRepository,
    /** Which days each tenant has a usage-day document for (how a tenant's days are found by `_id`). */
    readonly usageCalendars: UsageCalendarRepository,
    readonly plans: PlanRepository,
    readonly invoices: InvoiceRepository,
    readonly alerts: AlertRepository,
    /** The support tickets automate_support triaged (the assistant's own records, not built from events). */
    readonly tickets: TicketRepository,
    /** How incidents are derived from the alerts (correlation window, escalation delay). */
    readonly incidentPolicy: IncidentPolicy,
  ) {}

  static async open(persistence: Persistence, options: { incidentPolicy?: IncidentPolicy } = {}): Promise<ReadModels> {
    const [usageDays, usageCalendars, plans, invoices, alerts, tickets] = await Promise.all([
      persistence.repository(usageDaysCollection),
      persistence.repository(usageCalendarsCollection),
      persistence.repository(plansCollection),
      persistence.repository(invoicesCollection),
      persistence.repository(alertsCollection),
      persistence.repository(ticketsCollection),
    ]);
    return new ReadModels(usageDays, usageCalendars, plans, invoices, alerts, tickets, options.incidentPolicy ?? DEFAULT_INCIDENT_POLICY);
  }

  /**
   * The tenant's usage days (from `fromDay` on, when given; at most the newest MAX_DOCUMENTS), oldest
   * first. Read by `_id` only: the tenant's calendar, then each of its days, so the cost is the tenant's
   * own days whatever the number of tenants (a filtered list decodes every tenant's days on FerretDB 1.x).
   */
  async usageOf(tenantId: string, tracker: DataVersionTracker, fromDay?: string): Promise<UsageDay[]> {
    const calendar = await this.usageCalendars.findById(tenantId, usageCalendarId(tenantId));
    const wanted = (calendar?.days ?? []).filter((day) => fromDay === undefined || day >= fromDay).slice(-MAX_DOCUMENTS);
    const days = new Array<UsageDay | null>(wanted.length);
    let next = 0;
    const reader = async (): Promise<void> => {
      for (let i = next++; i < wanted.length; i = next++)
        days[i] = await this.usageDays.findById(tenantId, usageDayId(tenantId, wanted[i] as string));
    };
    await Promise.all(Array.from({ length: Math.min(DAY_READS_AT_ONCE, wanted.length) }, reader));
    // A day in the calendar whose document is not written yet (the calendar is written first) is left out.
    const found = days.filter((day): day is UsageDay => day !== null);
    tracker.saw('usage', found);
    return found;
  }

  async planOf(tenantId: string, tracker: DataVersionTracker): Promise<TenantPlan | null> {
    const plan = await this.plans.findById(tenantId, planDocumentId(tenantId));
    tracker.saw('plan', plan ? [plan] : []);
    return plan;
  }

  async invoicesOf(tenantId: string, tracker: DataVersionTracker): Promise<InvoiceRecord[]> {
    const page = await this.invoices.list(tenantId, { limit: MAX_DOCUMENTS, sort: 'asc' });
    tracker.saw('invoices', page.items);
    return page.items;
  }

  /** The alerts of a tenant's SLOs (or, for owner `_platform`, of the service-wide SLOs). */
  async alertsOf(owner: string, tracker: DataVersionTracker): Promise<AlertRecord[]> {
    const page = await this.alerts.list(owner, { limit: MAX_DOCUMENTS, sort: 'asc' });
    tracker.saw('alerts', page.items);
    return [...page.items].sort((a, b) => a.alert_id.localeCompare(b.alert_id));
  }

  /** Every alert: every tenant's and the service-wide ones (the platform admin only). */
  async alertsAcrossTenants(tracker: DataVersionTracker): Promise<AcrossTenants<AlertRecord>> {
    const read = await readAcrossTenants(this.alerts.admin);
    tracker.saw('alerts*', read.items);
    return { items: read.items.sort((a, b) => a.alert_id.localeCompare(b.alert_id)), truncated: read.truncated };
  }

  /** The owner's incidents at `now`, newest first: derived from its alerts (see incidents/correlate.ts), never stored. */
  async incidentsOf(owner: string, now: Date, tracker: DataVersionTracker): Promise<Incident[]> {
    return this.incidentsFrom(await this.alertsOf(owner, tracker), now, tracker);
  }

  /** Every owner's incidents at `now` (the platform admin only). */
  async incidentsAcrossTenants(now: Date, tracker: DataVersionTracker): Promise<AcrossTenants<Incident>> {
    const read = await this.alertsAcrossTenants(tracker);
    return { items: this.incidentsFrom(read.items, now, tracker), truncated: read.truncated };
  }

  /**
   * The incidents of alerts already read, each owner's apart. What they depend on besides the alerts (the
   * clock, through escalation) is recorded too: a cached answer does not outlive an escalation.
   */
  incidentsFrom(alerts: readonly AlertRecord[], now: Date, tracker: DataVersionTracker): Incident[] {
    const byOwner = new Map<string, AlertRecord[]>();
    for (const alert of alerts) byOwner.set(alert.tenantId, [...(byOwner.get(alert.tenantId) ?? []), alert]);
    const incidents = [...byOwner.values()].flatMap((own) => correlateIncidents(own, this.incidentPolicy, now)).sort(newestFirst);
    tracker.saw(
      'incidents',
      incidents.map((incident) => ({ id: `${incident.id}:${incident.status}`, version: 0 })),
    );
    return incidents;
  }

  /** The tenant's triaged support tickets, newest first (at most MAX_DOCUMENTS). */
  async ticketsOf(tenantId: string, tracker: DataVersionTracker): Promise<Ticket[]> {
    const page = await this.tickets.list(tenantId, { limit: MAX_DOCUMENTS, sort: 'desc' });
    tracker.saw('tickets', page.items);
    return page.items;
  }

  async ticketsAcrossTenants(tracker: DataVersionTracker): Promise<AcrossTenants<Ticket>> {
    const read = await readAcrossTenants(this.tickets.admin);
    tracker.saw('tickets*', read.items);
    return read;
  }

  /** Every tenant's plan (platform-wide answers, for the admin only). */
  async plansAcrossTenants(tracker: DataVersionTracker): Promise<AcrossTenants<TenantPlan>> {
    const read = await readAcrossTenants(this.plans.admin);
    tracker.saw('plans*', read.items);
    return read;
  }

  async invoicesAcrossTenants(tracker: DataVersionTracker): Promise<AcrossTenants<InvoiceRecord>> {
    const read = await readAcrossTenants(this.invoices.admin);
    tracker.saw('invoices*', read.items);
    return read;
  }

  /** Every tenant's usage days (from `fromDay` on, when given). */
  async usageAcrossTenants(fromDay: string | null, tracker: DataVersionTracker): Promise<AcrossTenants<UsageDay>> {
    const read = await readAcrossTenants(this.usageDays.admin, fromDay === null ? undefined : { day: { $gte: fromDay } });
    tracker.saw('usage*', read.items);
    return { items: read.items.sort((a, b) => a.day.localeCompare(b.day)), truncated: read.truncated };
  }
}

async function readAcrossTenants<T>(reads: AdminReads<T>, filter?: ListOptions<T>['filter']): Promise<AcrossTenants<Stored<T>>> {
  const items: Stored<T>[] = [];
  let cursor: string | null = null;
  do {
    const page = await reads.listAcrossTenants({
      limit: MAX_DOCUMENTS,
      // Newest first: when the bound is reached, what is left out is the oldest.
      sort: 'desc',
      ...(filter ? { filter } : {}),
      ...(cursor ? { cursor } : {}),
    });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null && items.length < MAX_DOCUMENTS_ACROSS_TENANTS);
  return { items: items.slice(0, MAX_DOCUMENTS_ACROSS_TENANTS), truncated: cursor !== null || items.length > MAX_DOCUMENTS_ACROSS_TENANTS };
}

/** Collects what an action read; `version()` is a digest of it (changes whenever any document it read does). */
export class DataVersionTracker {
  private readonly seen: string[] = [];

  saw(model: string, documents: readonly Pick<Stored<object>, 'id' | 'version'>[]): void {
    this.seen.push(`${model}:${documents.length}`, ...documents.map((document) => `${model}/${document.id}@${document.version}`));
  }

  version(): string {
    return createHash('sha256').update(this.seen.join('\n')).digest('base64url').slice(0, 22);
  }
}
