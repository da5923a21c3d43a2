import type { EventBus, RetryPolicy, Subscription } from '@tenantry/event-bus';
import { batchOfMetricRecorded } from './metric-batch';
import type { RollupWriter } from './rollup-writer';

export const INGEST_CONSUMER_GROUP = 'observability-ingest';
/** Events handed over at once by the bus (a fetch of one partition): one write per touched rollup document. */
export const INGEST_BATCH_EVENTS = 1_000;
const INGEST_RETRY: RetryPolicy = { maxAttempts: 6, initialBackoffMs: 200, maxBackoffMs: 5_000 };

/**
 * Consumes the gateway's `metric.recorded` into the rollups, a bus batch at a time. Idempotent by
 * itself (each rollup document remembers the batches it counted), so it needs no processed-event store;
 * nothing is acknowledged before every document of the batch is written.
 */
export function consumeMetricRecorded(bus: EventBus, writer: RollupWriter): Promise<Subscription> {
  return bus.subscribe({
    groupId: INGEST_CONSUMER_GROUP,
    eventTypes: ['metric.recorded'],
    retry: INGEST_RETRY,
    batch: {
      handler: (deliveries) => writer.write(deliveries.map((delivery) => batchOfMetricRecorded(delivery.event))),
      maxEvents: INGEST_BATCH_EVENTS,
    },
    handler: (event) => writer.write([batchOfMetricRecorded(event)]),
  });
}
