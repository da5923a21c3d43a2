import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';

/** Maintenance windows belong to no tenant's storage scope (a tenant window names its tenant in `tenant_id`). */
export const MAINTENANCE_SCOPE = '_maintenance';

export const MAINTENANCE_SCOPES = ['platform', 'tenant', 'service'] as const;
export type MaintenanceScope = (typeof MAINTENANCE_SCOPES)[number];

export const recurrenceSchema = z.object({
  /** RFC 5545 `DTSTART:<local time>` + `RRULE:...`, the local time read in `timezone`. */
  rrule: z.string().min(1).max(1_000),
  timezone: z.string().min(1).max(64),
  duration_minutes: z.number().int().positive(),
});
export type Recurrence = z.output<typeof recurrenceSchema>;

/**
 * One maintenance window: platform-wide, one tenant's (optionally one service of it) or one service's;
 * one-off (`starts_at`/`ends_at`) or recurring (`rule`). Minutes inside it count neither good nor bad.
 */
export const maintenanceWindowsCollection = defineCollection({
  name: 'observability_maintenance_windows',
  idPrefix: 'mw_',
  schema: z.object({
    scope: z.enum(MAINTENANCE_SCOPES),
    tenant_id: z.string().min(1).max(128).optional(),
    service: z.string().min(1).max(64).optional(),
    starts_at: z.string().max(40).optional(),
    ends_at: z.string().max(40).optional(),
    rule: recurrenceSchema.optional(),
    reason: z.string().min(1).max(500),
  }),
  indexes: [{ fields: { scope: 1 } }, { fields: { tenant_id: 1 } }],
});

export type MaintenanceWindowFields = z.output<typeof maintenanceWindowsCollection.schema>;
export type MaintenanceWindow = Stored<MaintenanceWindowFields>;
export type MaintenanceWindowRepository = TenantScopedRepository<
  MaintenanceWindowFields,
  z.input<typeof maintenanceWindowsCollection.schema>
>;
