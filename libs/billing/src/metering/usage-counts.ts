import type { TenantryEventOf } from '@tenantry/contracts';
import type { UsageCounts } from './usage-shard.collection';

type MetricSample = TenantryEventOf<'metric.recorded'>['data']['samples'][number];

export const NO_USAGE: UsageCounts = Object.freeze({ calls: 0, rateLimited: 0, cacheHits: 0, errors: 0, clientErrors: 0 });

/**
 * The counting rule: a batch's samples summed. `calls` are the requests that used the daily quota,
 * i.e. every request the gateway answered for the tenant (cache hits included) except the ones it
 * refused with 429: `request_count − rate_limited_count`.
 */
export function countBatch(samples: readonly MetricSample[]): UsageCounts {
  let counts = NO_USAGE;
  for (const sample of samples) {
    counts = addCounts(counts, {
      calls: Math.max(0, sample.request_count - sample.rate_limited_count),
      rateLimited: sample.rate_limited_count,
      cacheHits: sample.cache_hit_count,
      errors: sample.error_count,
      clientErrors: sample.client_error_count,
    });
  }
  return counts;
}

export function addCounts(a: UsageCounts, b: UsageCounts): UsageCounts {
  return {
    calls: a.calls + b.calls,
    rateLimited: a.rateLimited + b.rateLimited,
    cacheHits: a.cacheHits + b.cacheHits,
    errors: a.errors + b.errors,
    clientErrors: a.clientErrors + b.clientErrors,
  };
}

export function isNoUsage(counts: UsageCounts): boolean {
  return counts.calls === 0 && counts.rateLimited === 0 && counts.cacheHits === 0 && counts.errors === 0 && counts.clientErrors === 0;
}
