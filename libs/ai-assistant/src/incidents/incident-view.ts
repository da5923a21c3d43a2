import { alertSeveritySchema } from '@tenantry/contracts';
import { z } from 'zod';
import { INCIDENT_STATUSES, type Incident } from './correlate';

export const incidentStatusSchema = z.enum(INCIDENT_STATUSES);

/** An incident as GET /incidents answers it and monitor_alerts reports it (the same shape as `Incident`). */
export const incidentViewSchema = z
  .object({
    id: z.string(),
    tenant_id: z.string().nullable().describe('The tenant whose SLOs burn; null for a service-wide incident.'),
    service: z.string(),
    status: incidentStatusSchema.describe('open; escalated (unresolved past escalate_at); resolved (every alert resolved).'),
    severity: alertSeveritySchema.describe('page when any of its alerts pages.'),
    title: z.string(),
    opened_at: z.string().describe('When its first alert fired.'),
    resolved_at: z.string().nullable().describe('When the last of its alerts resolved; null while one fires.'),
    escalate_at: z.string().describe('opened_at + ASSISTANT_INCIDENT_ESCALATE_AFTER.'),
    escalated_at: z.string().nullable(),
    duration_minutes: z.number().describe('From opened_at to resolved_at, or to now while unresolved.'),
    alerts: z.array(
      z.object({
        fingerprint: z.string().describe('slo|service|tenant_id (or _platform)|severity: what de-duplicates alerts.'),
        alert_id: z.string(),
        slo: z.string(),
        severity: alertSeveritySchema,
        firing: z.boolean(),
        first_fired_at: z.string(),
        last_fired_at: z.string(),
        resolved_at: z.string().nullable(),
        episodes: z.number().int().describe('Times it fired within this incident.'),
      }),
    ),
    timeline: z.array(z.object({ at: z.string(), event: z.enum(['fired', 'resolved', 'escalated']), fingerprint: z.string().nullable() })),
  })
  .meta({ id: 'AssistantIncident' }) satisfies z.ZodType<Incident>;
