/** Billing's metering: per-tenant per-local-day usage counters fed by the gateway's `metric.recorded` batches. */
export {
  METERING_BATCH_EVENTS,
  METERING_CONSUMER_GROUP,
  METERING_RETRY_POLICY,
  MeteringConsumer,
  type MeteringConsumerDeps,
  type TenantTimezones,
} from './metering-consumer';
export { countBatch } from './usage-counts';
export {
  eventFingerprint,
  METERING_SCOPE,
  RECENT_EVENT_IDS,
  shardOf,
  USAGE_SHARDS,
  usageShardId,
  usageShardsCollection,
  type UsageCounts,
  type UsageShard,
  type UsageShardFields,
  type UsageShardRepository,
} from './usage-shard.collection';
export { MAX_LEDGER_DAYS, UsageLedger, type UsageDayTotals } from './usage-ledger';
