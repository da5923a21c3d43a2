import type { RunningServices } from '@tenantry/runtime';

/**
 * The last thing `npm start` prints: one line saying where to go next — the gateway, its API reference
 * and the admin key (generated and shown above, or the one the environment set; never printed again).
 */
export function startupLine(running: Pick<RunningServices, 'platform' | 'servers'>): string {
  const gateway = running.servers.get('gateway')?.url;
  if (!gateway) return '';
  const key = running.platform.config.adminApiKey.generated
    ? 'the generated one printed above (valid until exit)'
    : 'the ADMIN_API_KEY you set';
  return `Tenantry is running: gateway ${gateway} · API reference ${gateway}/docs · admin key: ${key}\n`;
}
