import http from 'node:http';
import { LatencyHistogram, now } from '../lib/measure';
import { formatNumber, type ScenarioResult } from '../lib/report';
import { tenantsApiRequests } from './g2-proxied-get.bench';
import { createTenant, gatewayHealth, probe, tenantAuth } from './platform-api';
import { gatewayScenario, GatewayStack } from './stack';

const CONCURRENT = 200;

interface Answer {
  status: number;
  cacheStatus: string;
  ms: number;
}

function get(agent: http.Agent, url: URL, headers: Record<string, string>): Promise<Answer> {
  const sentAt = now();
  return new Promise((resolve, reject) => {
    const request = http.get({ agent, host: url.hostname, port: url.port, path: url.pathname, headers }, (response) => {
      response.resume();
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          cacheStatus: String(response.headers['x-cache-status'] ?? 'none'),
          ms: now() - sentAt,
        }),
      );
    });
    request.on('error', reject);
  });
}

/**
 * G7: single-flight. 200 requests for one URL nobody has asked for yet, sent in the same event-loop turn
 * over 200 already-open keep-alive connections; the tenants service's request counter says how many
 * reached it. The tenant's key is resolved beforehand (one request to another URL), so only the
 * response cache's single-flight is measured.
 */
export const singleFlight = gatewayScenario({
  id: 'G7',
  title: 'Gateway: 200 concurrent cold requests for one key → upstream calls (single-flight)',
  async measure(stack: GatewayStack, result: ScenarioResult): Promise<void> {
    const tenant = await createTenant(stack.gateway.url, stack.adminKey, 'bench-single-flight', 'enterprise');
    const warm = await probe(`${stack.gateway.url}/api/v1/tenants/${tenant.tenantId}`, tenantAuth(tenant));
    if (warm.status !== 200) throw new Error(`the gateway answered ${warm.status}: ${warm.body.toString('utf8').slice(0, 300)}`);

    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENT });
    try {
      // Open the 200 connections first (concurrent probes force one socket each), so the burst is not spread by connects.
      const health = new URL(`${stack.gateway.url}/health`);
      await Promise.all(Array.from({ length: CONCURRENT }, () => get(agent, health, {})));
      const sockets = Object.values(agent.freeSockets).reduce((sum, list) => sum + (list?.length ?? 0), 0);

      const cold = new URL(`${stack.gateway.url}/api/v1/tenants/${tenant.tenantId}/features`);
      const upstreamBefore = await tenantsApiRequests(stack, '/features');
      const connectionsBefore = (await gatewayHealth(stack.gateway)).upstream_connections;
      const started = now();
      const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => get(agent, cold, tenantAuth(tenant))));
      const elapsedMs = now() - started;
      const upstreamCalls = (await tenantsApiRequests(stack, '/features')) - upstreamBefore;
      const newConnections = (await gatewayHealth(stack.gateway)).upstream_connections - connectionsBefore;

      const latency = new LatencyHistogram();
      for (const answer of answers) latency.recordMs(answer.ms);
      const count = (key: (answer: Answer) => string) => {
        const counts = new Map<string, number>();
        for (const answer of answers) counts.set(key(answer), (counts.get(key(answer)) ?? 0) + 1);
        return [...counts].map(([value, n]) => `${value} ×${n}`).join(', ');
      };
      result.measurements.push({
        label: `${CONCURRENT} concurrent GETs of one uncached URL`,
        events: answers.length,
        elapsedMs,
        eventsPerSec: (answers.length * 1000) / elapsedMs,
        latency: { ...latency.summary(), of: 'request sent → response read (node:http client)' },
        note: `status ${count((answer) => String(answer.status))}; X-Cache-Status ${count((answer) => answer.cacheStatus)}`,
      });
      result.checks.push({
        label: `${CONCURRENT} concurrent cold requests for one key → exactly 1 upstream call`,
        ok: upstreamCalls === 1 && answers.every((answer) => answer.status === 200),
        detail: `${formatNumber(upstreamCalls)} request(s) reached the tenants service's features route (its Prometheus counter); ${formatNumber(newConnections)} new upstream connection(s)`,
      });
      result.facts.push({ label: 'connections', value: `${sockets} keep-alive connections opened before the burst` });
    } finally {
      agent.destroy();
    }
  },
});
