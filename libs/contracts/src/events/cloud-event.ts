import { z } from 'zod';

/**
 * The CloudEvents 1.0 envelope every Tenantry event travels in (structured JSON form).
 * `subject` is always the tenant id: topics are keyed by it, which gives per-tenant ordering.
 * `dataschema` names the versioned schema of `data`, e.g. `tenantry:tenant.created:v1`.
 * `traceparent` / `tracestate` are the CloudEvents distributed-tracing extension: the W3C context of
 * the operation that caused the event, kept with the event while it waits in an outbox.
 */
export const cloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  subject: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  datacontenttype: z.literal('application/json'),
  dataschema: z.string().min(1),
  data: z.unknown(),
  traceparent: z.string().optional(),
  tracestate: z.string().optional(),
});

export type CloudEvent<TData = unknown, TType extends string = string> = Omit<z.infer<typeof cloudEventSchema>, 'data' | 'type'> & {
  type: TType;
  data: TData;
};
