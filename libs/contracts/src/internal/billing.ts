import { z } from 'zod';
import { tenantIdSchema } from '../events/schemas/common';
import { localDateSchema } from '../http/billing';

/**
 * Billing's internal endpoints (callers with the `service` role only, signed like every internal call).
 * The tenants service delegates `POST /tenants/{id}/upgrade` to the first and shows usage from the second.
 */

/** `POST` a ChangeSubscriptionRequest body (`?preview=true` allowed); answers a SubscriptionChangeResult. */
export const tenantSubscriptionChangePath = (tenantId: string): string =>
  `/internal/v1/tenants/${encodeURIComponent(tenantId)}/subscription/change`;

/** `GET ?from=YYYY-MM-DD&to=YYYY-MM-DD` (inclusive local dates, at most 366 days); answers TenantUsageDays. */
export const tenantUsageDaysPath = (tenantId: string): string => `/internal/v1/tenants/${encodeURIComponent(tenantId)}/usage-days`;

export const tenantUsageDaysSchema = z.object({
  tenantId: tenantIdSchema,
  /** Only the days with metered calls, ascending. */
  days: z.array(z.object({ date: localDateSchema, calls: z.number().int().nonnegative() })),
});
export type TenantUsageDays = z.output<typeof tenantUsageDaysSchema>;
