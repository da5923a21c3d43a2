import { z } from 'zod';
import { centsSchema, currencySchema, isoDateTimeSchema, periodSchema, planIdSchema, tenantIdSchema, timeZoneSchema } from './common';

/**
 * Events of the observability service. Their data is snake_case, the platform's one convention for
 * everything a subscriber reads. An alert that concerns a whole service (not one tenant) carries
 * `tenant_id: null` and is published with the subject `PLATFORM_SUBJECT`.
 */
export const PLATFORM_SUBJECT = '_platform';

/** `page` wakes someone up (fast burns); `ticket` is looked at in working hours (slow burns). */
export const alertSeveritySchema = z.enum(['page', 'ticket']);
export type AlertSeverity = z.infer<typeof alertSeveritySchema>;

const windowNameSchema = z.string().regex(/^\d+[mhd]$/, 'a duration such as 5m, 1h or 3d');
const fractionSchema = z.number().min(0).max(1);

/** One multi-window condition of the SRE workbook: both windows burn faster than `factor`. */
export const burnRateWindowSchema = z.object({
  long_window: windowNameSchema,
  short_window: windowNameSchema,
  /** The burn-rate threshold, e.g. 14.4 (2 % of a 30-day budget in 1 h). */
  factor: z.number().positive(),
  long_burn_rate: z.number().nonnegative(),
  short_burn_rate: z.number().nonnegative(),
});

const alertShape = {
  /** Stable fingerprint of the alert (SLO, scope, severity): the same on `alert.fired` and `alert.resolved`. */
  alert_id: z.string().min(1).max(256),
  /** The SLO's id, e.g. `tenant-availability` or `billing-latency`. */
  slo: z.string().min(1).max(128),
  service: z.string().min(1).max(64),
  /** The tenant whose SLO burns, or null for a service-wide SLO. */
  tenant_id: tenantIdSchema.nullable(),
  severity: alertSeveritySchema,
  /** The SLO's objective as a fraction, e.g. 0.999. */
  objective: fractionSchema,
  /** The conditions of this severity, with the burn rates measured at the evaluation. */
  windows: z.array(burnRateWindowSchema).min(1).max(8),
  /** The share of the error budget left over the SLO's window (negative once overspent). */
  budget_remaining: z.number().max(1),
  fired_at: isoDateTimeSchema,
};

/** A burn-rate alert started firing (exactly once per transition, across replicas and restarts). */
export const alertFiredV1 = z.object({
  ...alertShape,
  summary: z.string().min(1).max(500),
});

/** A firing burn-rate alert stopped firing. */
export const alertResolvedV1 = z.object({
  ...alertShape,
  resolved_at: isoDateTimeSchema,
});

/**
 * A tenant's SLA was missed for a calendar month (in the tenant's time zone): billing puts a
 * `sla_credit` line of `credit_cents` on the tenant's next invoice, once per `report_id`.
 */
export const slaBreachedV1 = z.object({
  /** Stable per tenant and month (e.g. `sla_ten_123_2026-11`): the key of exactly-once crediting. */
  report_id: z.string().min(1).max(200),
  tenant_id: tenantIdSchema,
  /** The calendar month, `YYYY-MM`, in `timezone`. */
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM'),
  timezone: timeZoneSchema,
  /** The month's bounds as instants. */
  period: periodSchema,
  plan_id: planIdSchema,
  /** The SLA promised (e.g. 0.999) and what was achieved, as fractions. */
  objective: fractionSchema,
  achieved: fractionSchema,
  downtime_minutes: z.number().nonnegative(),
  excluded_maintenance_minutes: z.number().nonnegative(),
  /** The credit schedule's tier that applies, in percent of the month's fee. */
  credit_percent: z.number().min(0).max(100),
  monthly_fee_cents: centsSchema.nonnegative(),
  credit_cents: centsSchema.nonnegative(),
  currency: currencySchema,
  breached_at: isoDateTimeSchema,
});
