import { formatNumber, type ScenarioResult } from '../lib/report';
import { CONNECTIONS, cpuCostLine, cpuLine, efficiencyRatioOf, interleave, measurementOf, ratioOf, type LoadVariant } from './compare';
import { runLoad } from './load';
import { prometheusSum, probe, tenantAuth } from './platform-api';
import { gatewayScenario, GatewayStack, type ServiceProcess } from './stack';

export const CACHE_REQUESTS_METRIC = 'tenantry_gateway_cache_requests_total';

/** The cacheable GET every gateway throughput scenario uses: the tenant reading itself. */
export const tenantPath = (stack: GatewayStack): string => `/api/v1/tenants/${stack.tenant.tenantId}`;

/** A cached GET through a gateway process: `X-Cache-Status: HIT` after the first request. */
export function cachedGatewayVariant(label: string, stack: GatewayStack, gateway: ServiceProcess): LoadVariant {
  return {
    label,
    run: (durationMs) =>
      runLoad({ url: `${gateway.url}${tenantPath(stack)}`, headers: tenantAuth(stack.tenant), connections: CONNECTIONS, durationMs }),
    processes: { [gateway.name]: gateway.child.pid },
    serving: [gateway.name, 'Redis'],
  };
}

export function baselineVariant(label: string, name: string, server: ServiceProcess, path: string): LoadVariant {
  return {
    label,
    run: (durationMs) => runLoad({ url: `${server.url}${path}`, connections: CONNECTIONS, durationMs }),
    processes: { [name]: server.child.pid },
  };
}

/**
 * The answers a cached GET may legitimately get once primed: a fresh hit, or a stale one served while it is
 * revalidated in the background (stale-while-revalidate), which is just as much a cache answer.
 */
export const CACHED_ANSWERS: ReadonlySet<string> = new Set(['HIT', 'STALE']);

/** Checks that a gateway answers the cached GET with 200 from its cache, priming it; throws with what it got otherwise. */
export async function expectCacheHit(stack: GatewayStack, gatewayUrl: string): Promise<void> {
  await probe(`${gatewayUrl}${tenantPath(stack)}`, tenantAuth(stack.tenant));
  const second = await probe(`${gatewayUrl}${tenantPath(stack)}`, tenantAuth(stack.tenant));
  const status = second.headers.get('x-cache-status');
  if (second.status !== 200 || !CACHED_ANSWERS.has(status ?? '')) {
    throw new Error(
      `${gatewayUrl}${tenantPath(stack)} answered ${second.status} X-Cache-Status ${status ?? 'none'}: ${second.body.toString('utf8').slice(0, 300)}`,
    );
  }
}

/**
 * G1: a cached GET through the whole gateway pipeline against a no-op express route and a bare
 * node:http server serving the very same response (status, headers, body captured from the gateway).
 */
export const cachedGet = gatewayScenario({
  id: 'G1',
  title: 'Gateway: cached GET through the full pipeline vs a no-op express route vs bare node:http',
  async measure(stack: GatewayStack, result: ScenarioResult): Promise<void> {
    await expectCacheHit(stack, stack.gateway.url);
    const [express, nodeHttp] = await Promise.all([
      stack.startBaseline('express', tenantPath(stack)),
      stack.startBaseline('node-http', tenantPath(stack)),
    ]);
    const cachedAnswers = async () => {
      let sum = 0;
      for (const cacheStatus of CACHED_ANSWERS)
        sum += await prometheusSum(stack.gateway.operatorUrl ?? stack.gateway.url, CACHE_REQUESTS_METRIC, { cache_status: cacheStatus });
      return sum;
    };
    const hitsBefore = await cachedAnswers();
    const allBefore = await prometheusSum(stack.gateway.operatorUrl ?? stack.gateway.url, CACHE_REQUESTS_METRIC);

    const [gateway, expressRoute, bare] = await interleave(
      [
        cachedGatewayVariant('gateway: cached GET (auth, rate limit, cache HIT, metering)', stack, stack.gateway),
        baselineVariant('express: no-op route, same bytes', 'express', express, tenantPath(stack)),
        baselineVariant('node:http: bare server, same bytes', 'node:http', nodeHttp, tenantPath(stack)),
      ],
      { servers: stack.serverPids },
    );
    if (!gateway || !expressRoute || !bare) throw new Error('missing variant');
    stack.maxRates.set('gateway cached', gateway.medianRate);
    stack.maxRates.set('express', expressRoute.medianRate);

    const hits = (await cachedAnswers()) - hitsBefore;
    const all = (await prometheusSum(stack.gateway.operatorUrl ?? stack.gateway.url, CACHE_REQUESTS_METRIC)) - allBefore;
    result.measurements.push(measurementOf(gateway), measurementOf(expressRoute), measurementOf(bare));
    result.ratios.push(
      ratioOf('gateway cached GET / no-op express route', gateway, expressRoute, { subject: 'gateway', baseline: 'express' }, 0.6),
      ratioOf('gateway cached GET / bare node:http', gateway, bare, { subject: 'gateway', baseline: 'node:http' }),
      ratioOf('no-op express route / bare node:http', expressRoute, bare, { subject: 'express', baseline: 'node:http' }),
      efficiencyRatioOf('gateway cached GET / no-op express route', gateway, expressRoute, { subject: 'gateway', baseline: 'express' }),
    );
    result.facts.push(
      {
        label: 'cache outcomes at the gateway (warm-up included)',
        value: `${formatNumber(hits)} HIT or STALE of ${formatNumber(all)} (${((hits / Math.max(1, all)) * 100).toFixed(2)}%)`,
      },
      { label: 'CPU per request', value: cpuCostLine([gateway, expressRoute, bare]) },
      { label: 'CPU during the runs (100% = one core)', value: [gateway, expressRoute, bare].map(cpuLine).join('; ') },
      { label: 'load', value: `autocannon in the bench process, ${CONNECTIONS} keep-alive connections, each server a child process` },
    );
  },
});
