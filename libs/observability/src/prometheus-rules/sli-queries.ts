import { HTTP_DURATION_BUCKETS_SECONDS, PrometheusLabels, PrometheusNames } from '@tenantry/telemetry';
import type { SloDefinition } from '../slo-definitions/definitions';

/**
 * The SLIs of the SLO definitions as PromQL over what every service exports today: the request counter
 * and latency histogram of @tenantry/telemetry, labelled with the answering `service`, the route
 * template and the status class (never a tenant: tenant SLOs are the observability service's job).
 */

/** Probes and scrapes are not user traffic: they would dilute the error ratio of a quiet service. */
export const NON_USER_ROUTES = ['/health', '/ready', '/metrics'] as const;

const { httpServerRequests, httpServerRequestDuration } = PrometheusNames;
const { service: SERVICE, route: ROUTE, statusClass: STATUS_CLASS } = PrometheusLabels;

function selector(service: string, ...extra: string[]): string {
  return `{${[`${SERVICE}="${service}"`, `${ROUTE}!~"${NON_USER_ROUTES.join('|')}"`, ...extra].join(', ')}}`;
}

/** Valid events: 4xx answers (429 included) are the client's doing and count neither for nor against. */
const VALID = `${STATUS_CLASS}!="4xx"`;

/**
 * The histogram bucket a latency SLO is measured at: the threshold itself when it is a bucket bound,
 * otherwise the largest bound below it — stricter than promised, never laxer (a request between the
 * two counts as slow).
 */
export function latencyBucketSeconds(thresholdMs: number): number {
  const threshold = thresholdMs / 1000;
  const bound = [...HTTP_DURATION_BUCKETS_SECONDS].reverse().find((le) => le <= threshold);
  if (bound === undefined) throw new Error(`No histogram bucket at or below ${thresholdMs} ms`);
  return bound;
}

/** `le` as the exposition writes it; Prometheus 3 writes whole numbers as `1.0`, so those match both spellings. */
function leMatcher(seconds: number): string {
  return Number.isInteger(seconds) ? `le=~"${seconds}(\\\\.0)?"` : `le="${seconds}"`;
}

/** The share of valid requests that were bad over `window`, for one service-scoped SLO. */
export function errorRatioExpr(slo: SloDefinition, window: string): string {
  if (slo.sli.kind === 'availability') {
    const bad = `sum(rate(${httpServerRequests}${selector(slo.service, `${STATUS_CLASS}="5xx"`)}[${window}]))`;
    const valid = `sum(rate(${httpServerRequests}${selector(slo.service, VALID)}[${window}]))`;
    // No 5xx series yet is a ratio of 0, not "no data", as long as there was traffic.
    return `(${bad} or vector(0)) / ${valid}`;
  }
  const le = latencyBucketSeconds(slo.sli.threshold_ms);
  const fast = `sum(rate(${httpServerRequestDuration}_bucket${selector(slo.service, VALID, leMatcher(le))}[${window}]))`;
  const valid = `sum(rate(${httpServerRequestDuration}_count${selector(slo.service, VALID)}[${window}]))`;
  return `1 - (${fast} / ${valid})`;
}
