import { sleep } from '../lib/measure';
import { formatNumber, type ScenarioResult } from '../lib/report';
import {
  allResponses,
  CONNECTIONS,
  cpuCostLine,
  cpuLine,
  efficiencyRatioOf,
  interleave,
  measurementOf,
  ratioOf,
  type LoadVariant,
} from './compare';
import { tenantPath } from './g1-cached-get.bench';
import { describeStatuses, runLoad } from './load';
import { gatewayHealth, probe, signedHeaders, tenantAuth, tenantIdentity } from './platform-api';
import { gatewayScenario, GatewayStack } from './stack';

const EXACT_RUN = 1_000;
export const SERVER_REQUESTS_METRIC = 'tenantry_http_server_requests_total';
/** `Cache-Control: no-cache` on the request: the gateway goes to the service (X-Cache-Status BYPASS). */
export const NO_CACHE = { 'cache-control': 'no-cache' };

export function proxiedGatewayVariant(stack: GatewayStack): LoadVariant {
  return {
    label: 'gateway: uncached GET (auth, rate limit, cache bypass, proxy, metering)',
    run: (durationMs) =>
      runLoad({
        url: `${stack.gateway.url}${tenantPath(stack)}`,
        headers: { ...tenantAuth(stack.tenant), ...NO_CACHE },
        connections: CONNECTIONS,
        durationMs,
      }),
    processes: { gateway: stack.gateway.child.pid, tenants: stack.tenants.child.pid },
    serving: ['gateway', 'tenants', 'Redis', 'FerretDB'],
  };
}

/** The same URL on the tenants service itself, with the identity headers the gateway would sign (fresh for each run). */
export function directVariant(stack: GatewayStack): LoadVariant {
  return {
    label: 'direct: the tenants service, same URL, signed identity headers',
    run: (durationMs) =>
      runLoad({
        url: `${stack.tenants.url}${tenantPath(stack)}`,
        headers: signedHeaders(stack.internalSecret, tenantIdentity(stack.tenant), 'GET', tenantPath(stack)),
        connections: CONNECTIONS,
        durationMs,
      }),
    processes: { tenants: stack.tenants.child.pid },
    serving: ['tenants', 'FerretDB'],
  };
}

/** Requests the tenants service answered on its routes (not probes or scrapes), from its Prometheus counter. */
export async function tenantsApiRequests(stack: GatewayStack, routeIncludes = '/api/'): Promise<number> {
  const text = await (await fetch(`${stack.tenants.url}/metrics`)).text();
  let sum = 0;
  for (const match of text.matchAll(new RegExp(`^${SERVER_REQUESTS_METRIC}\\{([^}]*)\\}\\s+(\\S+)`, 'gm'))) {
    const route = /http_route="([^"]*)"/.exec(match[1] ?? '')?.[1] ?? '';
    if (/service="tenants"/.test(match[1] ?? '') && route.includes(routeIncludes)) sum += Number(match[2]);
  }
  return sum;
}

/**
 * G2: an uncached GET proxied by the gateway against calling the tenants service directly (same URL,
 * signed identity headers); and how many TCP connections the gateway opens to it per request.
 */
export const proxiedGet = gatewayScenario({
  id: 'G2',
  title: 'Gateway: proxied uncached GET vs calling the tenants service directly',
  async measure(stack: GatewayStack, result: ScenarioResult): Promise<void> {
    const first = await probe(`${stack.gateway.url}${tenantPath(stack)}`, { ...tenantAuth(stack.tenant), ...NO_CACHE });
    if (first.status !== 200) throw new Error(`the gateway answered ${first.status}: ${first.body.toString('utf8').slice(0, 300)}`);
    const direct = await probe(
      `${stack.tenants.url}${tenantPath(stack)}`,
      signedHeaders(stack.internalSecret, tenantIdentity(stack.tenant), 'GET', tenantPath(stack)),
    );
    if (direct.status !== 200)
      throw new Error(`the tenants service answered ${direct.status}: ${direct.body.toString('utf8').slice(0, 300)}`);

    const healthBefore = await gatewayHealth(stack.gateway);
    const [gateway, service] = await interleave([proxiedGatewayVariant(stack), directVariant(stack)], { servers: stack.serverPids });
    if (!gateway || !service) throw new Error('missing variant');
    const healthAfter = await gatewayHealth(stack.gateway);
    // Upstream calls per request, exactly: a run of a fixed number of requests (a timed run ends with
    // requests in flight that the service answers but the load generator never counts: let them land first).
    await sleep(1_000);
    const callsBefore = await tenantsApiRequests(stack);
    const exact = await runLoad({
      url: `${stack.gateway.url}${tenantPath(stack)}`,
      headers: { ...tenantAuth(stack.tenant), ...NO_CACHE },
      connections: CONNECTIONS,
      amount: EXACT_RUN,
    });
    const calls = (await tenantsApiRequests(stack)) - callsBefore;
    stack.maxRates.set('gateway proxied', gateway.medianRate);
    stack.maxRates.set('direct', service.medianRate);

    result.measurements.push(measurementOf(gateway), measurementOf(service));
    result.ratios.push(
      ratioOf('gateway proxied GET / tenants service directly', gateway, service, { subject: 'gateway', baseline: 'direct' }, 0.5),
      efficiencyRatioOf('gateway proxied GET / tenants service directly', gateway, service, { subject: 'gateway', baseline: 'direct' }),
    );

    // Warm-up runs included: the counters were read around all of them.
    const gatewayRequests = allResponses(gateway);
    const newConnections = healthAfter.upstream_connections - healthBefore.upstream_connections;
    const perRequest = newConnections / Math.max(1, gatewayRequests);
    result.targets.push({
      label: 'new upstream TCP connections per proxied request',
      measured: `${perRequest.toFixed(5)} (${newConnections} for ${formatNumber(gatewayRequests)} requests, warm-up included)`,
      goal: '≤ 0.01',
      met: perRequest <= 0.01,
    });
    result.facts.push(
      {
        label: 'upstream calls per proxied request (tenants service request counter)',
        value: `${(calls / Math.max(1, exact.responses)).toFixed(4)} (${formatNumber(calls)} API requests at the service for ${formatNumber(exact.responses)} gateway responses, ${describeStatuses(exact)}; a run of exactly ${formatNumber(EXACT_RUN)} requests)`,
      },
      { label: 'upstream connections opened since the gateway started', value: `${healthAfter.upstream_connections}` },
      {
        label: 'requests the gateway metered meanwhile',
        value: `${formatNumber((healthAfter.metering.recorded ?? 0) - (healthBefore.metering.recorded ?? 0))} (responses counted by the load generator: ${formatNumber(gatewayRequests)})`,
      },
      { label: 'CPU per request', value: cpuCostLine([gateway, service]) },
      { label: 'CPU during the runs (100% = one core)', value: [gateway, service].map(cpuLine).join('; ') },
    );
  },
});
