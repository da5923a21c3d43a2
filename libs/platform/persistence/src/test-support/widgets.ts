import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '@tenantry/contracts';
import { uniqueName } from '@tenantry/testing';
import { z } from 'zod';
import { defineCollection } from '../collection';
import type { Persistence } from '../persistence';

/** A test aggregate with the shapes real services use: unique keys, enums, maps, optional fields, dates. */
export const widgetSchema = z.object({
  name: z.string().min(1),
  /** Unique across tenants, like an API key's hash. */
  sku: z.string().min(1),
  /** Unique per tenant. */
  slug: z.string().min(1),
  status: z.enum(['active', 'archived']),
  price: z.number().int().nonnegative(),
  metadata: z.record(z.string(), z.string()).default({}),
  note: z.string().optional(),
  releasedAt: z.date().optional(),
});

export type Widget = z.output<typeof widgetSchema>;
export type WidgetInput = z.input<typeof widgetSchema>;

export function widgetCollection(name = uniqueName('widgets')) {
  return defineCollection({
    name,
    schema: widgetSchema,
    indexes: [
      { fields: { sku: 1 }, unique: true },
      { fields: { tenantId: 1, slug: 1 }, unique: true },
      { fields: { tenantId: 1, status: 1 } },
    ],
    idPrefix: 'wgt_',
  });
}

export const gadgetSchema = z.object({ label: z.string() });

export function gadgetCollection(name = uniqueName('gadgets')) {
  return defineCollection({ name, schema: gadgetSchema });
}

let built = 0;

export function buildWidget(overrides: Partial<WidgetInput> = {}): WidgetInput {
  built += 1;
  return {
    name: `Widget ${built}`,
    sku: uniqueName('sku'),
    slug: `widget-${built}-${randomUUID().slice(0, 8)}`,
    status: 'active',
    price: 100 + built,
    ...overrides,
  };
}

export function buildEvent(tenantId: string, type = 'widget.created', data: unknown = {}): CloudEvent {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: '/tenantry/tests',
    type,
    subject: tenantId,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    dataschema: `tenantry:${type}:v1`,
    data,
  };
}

export const newTenantId = (): string => uniqueName('tenant');

/** A fresh database view with its own collections, so outbox scans see only this test's documents. */
export async function openWorld(open: () => Promise<Persistence>) {
  const persistence = await open();
  const widgetDefinition = widgetCollection();
  const gadgetDefinition = gadgetCollection();
  return {
    persistence,
    widgets: await persistence.repository(widgetDefinition),
    gadgets: await persistence.repository(gadgetDefinition),
    collections: [widgetDefinition.name, gadgetDefinition.name],
  };
}

export type World = Awaited<ReturnType<typeof openWorld>>;
