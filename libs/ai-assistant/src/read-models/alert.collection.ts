import { alertSeveritySchema } from '@tenantry/contracts';
import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';
import type { AlertFact } from './alert-events';

const windowSchema = z.object({
  long_window: z.string(),
  short_window: z.string(),
  factor: z.number(),
  long_burn_rate: z.number(),
  short_burn_rate: z.number(),
});

/** One firing episode of an alert: from `alert.fired` to `alert.resolved` (either may be known first). */
const episodeSchema = z.object({
  fired_at: z.string(),
  fired: z.object({ objective: z.number(), windows: z.array(windowSchema), budget_remaining: z.number(), summary: z.string() }).nullable(),
  resolved: z
    .object({ objective: z.number(), windows: z.array(windowSchema), budget_remaining: z.number(), resolved_at: z.string() })
    .nullable(),
});

/** Episodes kept per alert: the newest by `fired_at` (flapping looks at hours, not at years). */
export const MAX_EPISODES = 200;

/**
 * One burn-rate alert (by its fingerprint `alert_id`) of a tenant, or of a service (owner `_platform`):
 * its episodes keyed by `fired_at`, merged from `alert.fired` and `alert.resolved` in any order and any
 * number of times. It is firing when its newest episode has no resolution, so a resolution that
 * overtakes its `alert.fired` never leaves it firing, and an older episode arriving late changes nothing.
 */
export const alertsCollection = defineCollection({
  name: 'assistant_alerts',
  schema: z.object({
    alert_id: z.string(),
    slo: z.string(),
    service: z.string(),
    tenant_id: z.string().nullable(),
    severity: alertSeveritySchema,
    /** Derived: the newest episode's objective (as its `alert.fired` said, else its `alert.resolved`). */
    objective: z.number(),
    /** Derived from the episodes. */
    firing: z.boolean(),
    /** Derived: the newest episode's start. */
    last_fired_at: z.string(),
    /** Oldest first. */
    episodes: z.array(episodeSchema),
  }),
  indexes: [{ fields: { tenantId: 1, firing: 1 } }],
});

export type AlertEpisode = z.output<typeof episodeSchema>;
export type AlertRecord = Stored<z.output<typeof alertsCollection.schema>>;
export type AlertFields = z.input<typeof alertsCollection.schema>;
export type AlertRepository = TenantScopedRepository<z.output<typeof alertsCollection.schema>, AlertFields>;

export const alertDocumentId = (alertId: string): string => `alert:${alertId}`;

/** The document after `fact`, or null when it adds nothing (a redelivery, or an episode older than every kept one). */
export function applyAlertFact(current: z.output<typeof alertsCollection.schema> | null, fact: AlertFact): AlertFields | null {
  const episodes = (current?.episodes ?? []).map((episode) => ({ ...episode }));
  let episode = episodes.find((e) => e.fired_at === fact.fired_at);
  if (!episode) {
    episode = { fired_at: fact.fired_at, fired: null, resolved: null };
    episodes.push(episode);
  }
  let changed = false;
  if (fact.fired && episode.fired === null) {
    episode.fired = { objective: fact.objective, ...fact.fired };
    changed = true;
  }
  if (fact.resolved && episode.resolved === null) {
    episode.resolved = { objective: fact.objective, ...fact.resolved };
    changed = true;
  }
  if (!changed) return null;
  const kept = episodes.sort((a, b) => a.fired_at.localeCompare(b.fired_at)).slice(-MAX_EPISODES);
  if (!kept.includes(episode)) return null;
  const newest = kept[kept.length - 1] as AlertEpisode;
  return {
    alert_id: fact.alert_id,
    slo: fact.slo,
    service: fact.service,
    tenant_id: fact.tenant_id,
    severity: fact.severity,
    objective: (newest.fired ?? newest.resolved)?.objective ?? fact.objective,
    firing: newest.resolved === null,
    last_fired_at: newest.fired_at,
    episodes: kept,
  };
}
