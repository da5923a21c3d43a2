import type { z } from 'zod';
import type { CloudEvent } from './cloud-event';
import type { EventType } from './event-types';
import { taskQueuedV1 } from './schemas/assistant';
import { invoiceIssuedV1, invoiceOverdueV1, invoicePaidV1 } from './schemas/invoice';
import { metricRecordedV1 } from './schemas/metric';
import { alertFiredV1, alertResolvedV1, slaBreachedV1 } from './schemas/observability';
import {
  subscriptionActivatedV1,
  subscriptionCancelledV1,
  subscriptionCreatedV1,
  subscriptionDowngradedV1,
  subscriptionIntervalChangedV1,
  subscriptionUpgradedV1,
} from './schemas/subscription';
import { tenantApiKeyRevokedV1, tenantCreatedV1, tenantStatusChangedV1, tenantUpdatedV1 } from './schemas/tenant';

/**
 * Every version of every event's data schema. Data is snake_case (`tenant_id`, `plan_id`), the one
 * convention of everything a client or subscriber reads (`event-naming.spec.ts` keeps it so).
 *
 * From the first release on, a breaking change adds `v2` next to `v1` (consumers keep parsing `v1` events
 * still in the topic) and moves CURRENT_EVENT_VERSIONS, and a published version is never edited. Until
 * then (unreleased: no topic outside this repository holds our events) `v1` was edited in place once,
 * to move every event's data from camelCase to snake_case.
 */
export const EVENT_CATALOG = {
  'tenant.created': { v1: tenantCreatedV1 },
  'tenant.updated': { v1: tenantUpdatedV1 },
  'tenant.status_changed': { v1: tenantStatusChangedV1 },
  'tenant.api_key_revoked': { v1: tenantApiKeyRevokedV1 },
  'subscription.created': { v1: subscriptionCreatedV1 },
  'subscription.upgraded': { v1: subscriptionUpgradedV1 },
  'subscription.downgraded': { v1: subscriptionDowngradedV1 },
  'subscription.cancelled': { v1: subscriptionCancelledV1 },
  'subscription.activated': { v1: subscriptionActivatedV1 },
  'subscription.interval_changed': { v1: subscriptionIntervalChangedV1 },
  'invoice.issued': { v1: invoiceIssuedV1 },
  'invoice.paid': { v1: invoicePaidV1 },
  'invoice.overdue': { v1: invoiceOverdueV1 },
  'metric.recorded': { v1: metricRecordedV1 },
  'alert.fired': { v1: alertFiredV1 },
  'alert.resolved': { v1: alertResolvedV1 },
  'sla.breached': { v1: slaBreachedV1 },
  'task.queued': { v1: taskQueuedV1 },
} as const satisfies { [T in EventType]: Record<`v${number}`, z.ZodType> };

/** The version `createEvent` writes. */
export const CURRENT_EVENT_VERSIONS = {
  'tenant.created': 'v1',
  'tenant.updated': 'v1',
  'tenant.status_changed': 'v1',
  'tenant.api_key_revoked': 'v1',
  'subscription.created': 'v1',
  'subscription.upgraded': 'v1',
  'subscription.downgraded': 'v1',
  'subscription.cancelled': 'v1',
  'subscription.activated': 'v1',
  'subscription.interval_changed': 'v1',
  'invoice.issued': 'v1',
  'invoice.paid': 'v1',
  'invoice.overdue': 'v1',
  'metric.recorded': 'v1',
  'alert.fired': 'v1',
  'alert.resolved': 'v1',
  'sla.breached': 'v1',
  'task.queued': 'v1',
} as const satisfies { [T in EventType]: EventVersion<T> };

type Catalog = typeof EVENT_CATALOG;

export type EventVersion<T extends EventType> = keyof Catalog[T] & `v${number}`;
export type CurrentEventVersion<T extends EventType> = (typeof CURRENT_EVENT_VERSIONS)[T];

/** The `dataschema` attribute of an event, e.g. `tenantry:tenant.created:v1`. */
export type DataSchemaName<T extends EventType, V extends string> = `tenantry:${T}:${V}`;

type SchemaOf<T extends EventType, V extends EventVersion<T>> = Extract<Catalog[T][V], z.ZodType>;

/** The data of an event type at a version (the current one by default), as consumers see it. */
export type EventData<T extends EventType, V extends EventVersion<T> = CurrentEventVersion<T>> = z.output<SchemaOf<T, V>>;
/** What producers pass to `createEvent` (before defaults and trimming). */
export type EventDataInput<T extends EventType> = z.input<SchemaOf<T, CurrentEventVersion<T>>>;

/**
 * A validated event of type T: a union over its versions, discriminated by `dataschema`. For a union
 * of types (a handler of several) it distributes, so the result is discriminated by `type`.
 */
export type TenantryEventOf<T extends EventType> = T extends EventType
  ? { [V in EventVersion<T>]: CloudEvent<EventData<T, V>, T> & { dataschema: DataSchemaName<T, V> } }[EventVersion<T>]
  : never;

/** Any validated Tenantry event: a union discriminated by `type` (then `dataschema`). */
export type TenantryEvent = { [T in EventType]: TenantryEventOf<T> }[EventType];

export function dataSchemaName<T extends EventType, V extends string>(type: T, version: V): DataSchemaName<T, V> {
  return `tenantry:${type}:${version}`;
}

const DATA_SCHEMA_PATTERN = /^tenantry:([a-z_]+\.[a-z_]+):(v[1-9][0-9]*)$/;

/** Splits `tenantry:<type>:<version>`; undefined when the name does not have that shape. */
export function splitDataSchemaName(name: string): { type: string; version: string } | undefined {
  const match = DATA_SCHEMA_PATTERN.exec(name);
  return match?.[1] && match[2] ? { type: match[1], version: match[2] } : undefined;
}

/** The zod schema of an event's data, or undefined for an unknown type or version. */
export function eventDataSchema(type: EventType, version: string): z.ZodType | undefined {
  const versions: Readonly<Record<string, z.ZodType>> = EVENT_CATALOG[type];
  return Object.hasOwn(versions, version) ? versions[version] : undefined;
}
