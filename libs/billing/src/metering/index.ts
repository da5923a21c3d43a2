/** Billing's metering: per-tenant per-local-day usage counters fed by the gateway's `metric.recorded` batches. */
export { METERING_CONSUMER_GROUP, METERING_RETRY_POLICY, MeteringConsumer, type MeteringConsumerDeps, type TenantTimezones } from './metering-consumer';
export { countBatch } from './usage-counts';
export { RECENT_EVENT_IDS, usageDayId, usageDaysCollection, type UsageCounts, type UsageDay, type UsageDayFields, type UsageDayRepository } from './usage-day.collection';
export { MAX_LEDGER_DAYS, UsageLedger, type UsageDayTotals } from './usage-ledger';
