import { formatMs, formatNumber, type ScenarioResult } from '../lib/report';
import {
  CONNECTIONS,
  cpuLine,
  interleave,
  runQueueLine,
  MEASURE_MS,
  measurementOf,
  type LoadVariant,
  type VariantOutcome,
} from './compare';
import { cachedGatewayVariant, expectCacheHit, tenantPath } from './g1-cached-get.bench';
import { NO_CACHE, proxiedGatewayVariant } from './g2-proxied-get.bench';
import { runLoad } from './load';
import { runPacedLoad } from './paced-load';
import { signedHeaders, tenantAuth, tenantIdentity } from './platform-api';
import { gatewayScenario, GatewayStack, type ServiceProcess } from './stack';

const PACED_LATENCY = 'request sent → response read (node:http client, paced)';
const AUTOCANNON_PACED_LATENCY = 'request written → response read (autocannon overallRate)';

/** The max rate G1/G2 measured in this run, or a fresh 5 s measurement when they did not run. */
async function maxRate(stack: GatewayStack, key: 'gateway cached' | 'gateway proxied', variant: LoadVariant): Promise<number> {
  const known = stack.maxRates.get(key);
  if (known !== undefined) return known;
  const measured = (await variant.run(MEASURE_MS)).perSecond;
  stack.maxRates.set(key, measured);
  return measured;
}

function paced(
  label: string,
  url: string,
  headers: () => Record<string, string>,
  perSecond: number,
  processes: Record<string, number>,
): LoadVariant {
  return { label, run: (durationMs) => runPacedLoad({ url, headers: headers(), perSecond, durationMs }), processes };
}

function autocannonPaced(
  label: string,
  url: string,
  headers: () => Record<string, string>,
  perSecond: number,
  processes: Record<string, number>,
): LoadVariant {
  return {
    label,
    run: (durationMs) => runLoad({ url, headers: headers(), overallRate: perSecond, connections: CONNECTIONS, durationMs }),
    processes,
  };
}

function added(subject: VariantOutcome, baseline: VariantOutcome, percentile: number): number {
  return subject.latency.percentileMs(percentile) - baseline.latency.percentileMs(percentile);
}

const signed = (stack: GatewayStack) => () => signedHeaders(stack.internalSecret, tenantIdentity(stack.tenant), 'GET', tenantPath(stack));

/**
 * G3: the latency the gateway adds at half of its max load: proxied (gateway → tenants vs tenants
 * directly) and cached (gateway cache HIT vs the no-op express route), each pair at the same rate,
 * with evenly spaced arrivals; then the same rates with autocannon's overallRate, for comparison.
 */
export const addedLatency = gatewayScenario({
  id: 'G3',
  title: 'Gateway: added latency at half of max load (proxied vs direct, cached vs express)',
  async measure(stack: GatewayStack, result: ScenarioResult): Promise<void> {
    await expectCacheHit(stack, stack.gateway.url);
    const express: ServiceProcess = await stack.startBaseline('express', tenantPath(stack));
    const proxiedRate = 0.5 * (await maxRate(stack, 'gateway proxied', proxiedGatewayVariant(stack)));
    const cachedRate = 0.5 * (await maxRate(stack, 'gateway cached', cachedGatewayVariant('gateway', stack, stack.gateway)));
    const gatewayUrl = `${stack.gateway.url}${tenantPath(stack)}`;
    const gw = { gateway: stack.gateway.child.pid, tenants: stack.tenants.child.pid };
    const rate = (perSecond: number) => `${formatNumber(perSecond)} req/s`;

    const [proxied, direct, cached, route] = await interleave(
      [
        paced(
          `gateway proxied, paced at ${rate(proxiedRate)}`,
          gatewayUrl,
          () => ({ ...tenantAuth(stack.tenant), ...NO_CACHE }),
          proxiedRate,
          gw,
        ),
        paced(`direct, paced at ${rate(proxiedRate)}`, `${stack.tenants.url}${tenantPath(stack)}`, signed(stack), proxiedRate, {
          tenants: stack.tenants.child.pid,
        }),
        paced(`gateway cached, paced at ${rate(cachedRate)}`, gatewayUrl, () => tenantAuth(stack.tenant), cachedRate, {
          gateway: stack.gateway.child.pid,
        }),
        paced(`express, paced at ${rate(cachedRate)}`, `${express.url}${tenantPath(stack)}`, () => ({}), cachedRate, {
          express: express.child.pid,
        }),
      ],
      { servers: stack.serverPids, rounds: 2, warmupMs: 1_000 },
    );
    if (!proxied || !direct || !cached || !route) throw new Error('missing variant');
    for (const outcome of [proxied, direct, cached, route]) result.measurements.push(measurementOf(outcome, PACED_LATENCY));

    // The cached pair again with autocannon's overallRate (one run each), to show what its bursts do.
    const [acCached, acRoute] = await interleave(
      [
        autocannonPaced(
          `gateway cached, autocannon overallRate ${rate(cachedRate)}`,
          gatewayUrl,
          () => tenantAuth(stack.tenant),
          cachedRate,
          { gateway: stack.gateway.child.pid },
        ),
        autocannonPaced(
          `express, autocannon overallRate ${rate(cachedRate)}`,
          `${express.url}${tenantPath(stack)}`,
          () => ({}),
          cachedRate,
          { express: express.child.pid },
        ),
      ],
      { servers: stack.serverPids, rounds: 1, warmupMs: 0 },
    );
    if (!acCached || !acRoute) throw new Error('missing variant');
    for (const outcome of [acCached, acRoute]) result.measurements.push(measurementOf(outcome, AUTOCANNON_PACED_LATENCY));

    const ms = (value: number) => `${value >= 0 ? '+' : '−'}${formatMs(Math.abs(value))}`;
    result.targets.push(
      {
        label: 'proxied: added p50 at half load (gateway − direct)',
        measured: ms(added(proxied, direct, 50)),
        goal: '≤ +0.5 ms',
        met: added(proxied, direct, 50) <= 0.5,
      },
      {
        label: 'proxied: added p99 at half load (gateway − direct)',
        measured: ms(added(proxied, direct, 99)),
        goal: '≤ +2 ms',
        met: added(proxied, direct, 99) <= 2,
      },
      {
        label: 'cached: added p99 at half load (gateway − express)',
        measured: ms(added(cached, route, 99)),
        goal: '≤ +1 ms',
        met: added(cached, route, 99) <= 1,
      },
      {
        label: 'cached: gateway cache-hit p50 at half load',
        measured: formatMs(cached.latency.percentileMs(50)),
        goal: 'well under 1 ms (< 1 ms)',
        met: cached.latency.percentileMs(50) < 1,
      },
    );
    result.facts.push(
      {
        label: 'rates',
        value: `half of the max measured in this run: proxied ${rate(proxiedRate)}, cached ${rate(cachedRate)} (G1/G2, or measured here when they did not run)`,
      },
      {
        label:
          "cached with autocannon overallRate instead (1 run each; it sends each connection's per-second budget back to back, then idles)",
        value: `added p50 ${ms(added(acCached, acRoute, 50))}, p99 ${ms(added(acCached, acRoute, 99))}`,
      },
      {
        label: 'paced generator lag (p99 of due → sent, max over runs)',
        value: formatMs(
          Math.max(...[proxied, direct, cached, route].flatMap((outcome) => outcome.runs.map((run) => run.sendLagP99Ms ?? 0))),
        ),
      },
      { label: 'CPU during the paced runs (100% = one core)', value: [proxied, direct, cached, route].map(cpuLine).join('; ') },
      {
        label:
          'waiting for a CPU during the paced runs (main thread ready to run but not running, per second; average wait per preemption)',
        value: [proxied, direct, cached, route].map(runQueueLine).join('; '),
      },
    );
  },
});
