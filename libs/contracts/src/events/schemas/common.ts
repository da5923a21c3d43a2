import { z } from 'zod';

/** Building blocks shared by the event data schemas. Money is always integer cents. */

export const tenantIdSchema = z.string().min(1).max(128);

/** The plans of the catalog (`plans/catalog.ts`), lowest rank first. */
export const PLAN_IDS = ['basic', 'pro', 'enterprise'] as const;
export const planIdSchema = z.enum(PLAN_IDS);
export type PlanId = z.infer<typeof planIdSchema>;

export const tenantStatusSchema = z.enum(['trial', 'active', 'suspended', 'cancelled']);
export type TenantStatus = z.infer<typeof tenantStatusSchema>;

export const billingIntervalSchema = z.enum(['monthly', 'annual']);
export type BillingInterval = z.infer<typeof billingIntervalSchema>;

export const isoDateTimeSchema = z.iso.datetime({ offset: true });

/**
 * Answers remembered at once. There are ~600 zone names and aliases, but a client can send endless
 * invalid strings (and case variants of valid ones, which Intl accepts), so the memory is bounded:
 * beyond it the oldest answer is forgotten and computed again when asked (a few µs).
 */
export const MAX_REMEMBERED_TIME_ZONES = 1024;
const validTimeZones = new Map<string, boolean>();

/** True for an IANA time zone the runtime knows (e.g. `Europe/Ljubljana`); recent answers are remembered. */
function isTimeZone(value: string): boolean {
  let valid = validTimeZones.get(value);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      valid = true;
    } catch {
      valid = false;
    }
    if (validTimeZones.size >= MAX_REMEMBERED_TIME_ZONES) validTimeZones.delete(validTimeZones.keys().next().value as string);
    validTimeZones.set(value, valid);
  }
  return valid;
}

/** How many time-zone answers are remembered (to check the bound). */
export const rememberedTimeZones = (): number => validTimeZones.size;

/** Quotas are aligned to the tenant's time zone, so a bad value must never reach a consumer. */
export const timeZoneSchema = z.string().min(1).max(64).refine(isTimeZone, { message: 'Not an IANA time zone' });

/** A half-open interval [start, end). */
export const periodSchema = z
  .object({ start: isoDateTimeSchema, end: isoDateTimeSchema })
  .refine((period) => Date.parse(period.start) < Date.parse(period.end), { message: 'start must be before end', path: ['end'] });
export type Period = z.infer<typeof periodSchema>;

/** ISO 4217 code. */
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 currency code');

export const centsSchema = z.number().int();
export const nonNegativeCentsSchema = centsSchema.nonnegative();

export const metadataSchema = z.record(z.string().max(64), z.string().max(512));
