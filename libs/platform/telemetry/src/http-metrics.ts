import type { Attributes, Counter, Histogram } from '@opentelemetry/api';
import { HTTP_DURATION_BUCKETS_SECONDS, MetricAttributes, MetricNames } from './metric-names';
import { getMeter } from './metrics';

export interface HttpServerRequestRecord {
  service: string;
  /** The route TEMPLATE (`/api/v1/tenants/:tenantId`), never the raw path. */
  route: string;
  method: string;
  status: number;
  durationSeconds: number;
}

interface HttpServerInstruments {
  requests: Counter;
  duration: Histogram;
}

let instruments: HttpServerInstruments | undefined;

function httpServerInstruments(): HttpServerInstruments {
  if (instruments) return instruments;
  const meter = getMeter('@tenantry/http');
  instruments = {
    requests: meter.createCounter(MetricNames.httpServerRequests, {
      description: 'HTTP requests answered, by service, route template, method and status class.',
    }),
    duration: meter.createHistogram(MetricNames.httpServerRequestDuration, {
      description: 'Time from request arrival to the end of the response.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...HTTP_DURATION_BUCKETS_SECONDS] },
    }),
  };
  return instruments;
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']);

/** Records one answered request in the request counter and the latency histogram. */
export function recordHttpServerRequest(record: HttpServerRequestRecord): void {
  const { requests, duration } = httpServerInstruments();
  const method = record.method.toUpperCase();
  const attributes: Attributes = {
    [MetricAttributes.service]: record.service,
    [MetricAttributes.route]: record.route,
    [MetricAttributes.method]: KNOWN_METHODS.has(method) ? method : '_OTHER',
    [MetricAttributes.statusClass]: `${Math.trunc(record.status / 100)}xx`,
  };
  requests.add(1, attributes);
  duration.record(record.durationSeconds, attributes);
}

/** Forgets the instruments (after `shutdownTelemetry`, a new meter provider needs new ones). */
export function resetHttpServerInstruments(): void {
  instruments = undefined;
}
