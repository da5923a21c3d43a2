import { defineCollection, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';

/** Probe documents belong to no tenant. */
export const PROBE_SCOPE = '_probes';

/**
 * One service's probes of one UTC hour, id `<service>:<hour ISO>`: one entry per probe slot (the
 * interval's index in the hour), written by the first replica that probed it: a slot is counted once
 * however many replicas probe.
 */
export const probeHoursCollection = defineCollection({
  name: 'observability_probe_hours',
  schema: z.object({
    service: z.string().min(1).max(64),
    hour: z.string().max(30),
    slots: z.array(z.object({ slot: z.number().int().nonnegative(), up: z.boolean(), latency_ms: z.number().nonnegative() })).max(3_600),
  }),
});

/** The latest state of a service (from the slot winners' writes). */
export const probeStatusCollection = defineCollection({
  name: 'observability_probe_status',
  schema: z.object({
    service: z.string().min(1).max(64),
    status: z.enum(['up', 'down']),
    since: z.string().max(30),
    last_probe_at: z.string().max(30),
    last_latency_ms: z.number().nonnegative(),
    consecutive_failures: z.number().int().nonnegative(),
  }),
});

export type ProbeHourRepository = TenantScopedRepository<z.output<typeof probeHoursCollection.schema>>;
export type ProbeStatusRepository = TenantScopedRepository<z.output<typeof probeStatusCollection.schema>>;
