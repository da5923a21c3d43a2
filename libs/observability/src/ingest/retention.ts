import type { HousekeepingTask } from '@tenantry/runtime';
import { RESOLUTIONS, RETENTION_MS, ROLLUP_SCOPE, type RollupRepository } from './rollup.collection';

const PAGE = 500;

/** Deletes rollup documents older than their resolution's retention (RETENTION_MS), hourly. */
export function rollupRetention(rollups: RollupRepository): HousekeepingTask {
  return {
    name: 'observability-rollup-retention',
    intervalMs: 3_600_000,
    async run(now) {
      let deleted = 0;
      for (const resolution of RESOLUTIONS) {
        const before = new Date(now.getTime() - RETENTION_MS[resolution]).toISOString();
        for (;;) {
          const page = await rollups.list(ROLLUP_SCOPE, { filter: { resolution, bucket_start: { $lt: before } }, limit: PAGE });
          for (const document of page.items) await rollups.delete(ROLLUP_SCOPE, document.id);
          deleted += page.items.length;
          if (page.items.length < PAGE) break;
        }
      }
      return deleted;
    },
  };
}
