import type { CloudEvent } from '@tenantry/contracts';

/** A message as both adapters store and deliver it: the structured CloudEvent JSON plus headers. */
export interface BusRecord {
  topic: string;
  /** The tenant id (CloudEvents `subject`): same key, same partition, so per-tenant order. */
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface DeliveredRecord extends BusRecord {
  partition: number;
  offset: string;
}

/** Header names on every message (CloudEvents Kafka binding names, plus W3C trace context). */
export const HEADER = {
  contentType: 'content-type',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  subject: 'ce_subject',
  dataschema: 'ce_dataschema',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

/**
 * Headers of a message replayed from a dead-letter topic: it is meant for the one consumer group that
 * failed it (every other group handled or skipped it the first time) and carries where it came from.
 */
export const REPLAY_HEADER = {
  forGroup: 'replay_for_group',
  of: 'replay_of',
} as const;

export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';

/**
 * Encodes an event as a structured-mode CloudEvents Kafka message. The `ce_*` headers duplicate
 * envelope attributes so tools can route or inspect without parsing the value.
 */
export function encodeEvent(event: CloudEvent, topic: string, traceHeaders: Record<string, string>): BusRecord {
  return {
    topic,
    key: event.subject,
    value: Buffer.from(JSON.stringify(event)),
    headers: {
      [HEADER.contentType]: STRUCTURED_CONTENT_TYPE,
      [HEADER.id]: event.id,
      [HEADER.type]: event.type,
      [HEADER.source]: event.source,
      [HEADER.subject]: event.subject,
      [HEADER.dataschema]: event.dataschema,
      ...traceHeaders,
    },
  };
}

export function deadLetterTopicOf(topic: string): string {
  return `${topic}.dlq`;
}
