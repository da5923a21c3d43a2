import type { Attributes, Histogram } from '@opentelemetry/api';
import { HTTP_DURATION_BUCKETS_SECONDS, MetricAttributes, MetricNames } from './metric-names';
import { getMeter } from './metrics';
import { type BoundCounter, PreBoundCounter } from './pre-bound-counter';

export interface HttpServerRequestRecord {
  service: string;
  /** The route TEMPLATE (`/api/v1/tenants/:tenantId`), never the raw path. */
  route: string;
  method: string;
  status: number;
  durationSeconds: number;
}

interface HttpServerInstruments {
  requests: PreBoundCounter;
  duration: Histogram;
  /** Per route, method and status class: the attribute set (built once) and its request count. */
  bound: Map<string, { attributes: Attributes; requests: BoundCounter }>;
}

let instruments: HttpServerInstruments | undefined;

function httpServerInstruments(): HttpServerInstruments {
  if (instruments) return instruments;
  const meter = getMeter('@tenantry/http');
  instruments = {
    requests: PreBoundCounter.of(meter, MetricNames.httpServerRequests, {
      description: 'HTTP requests answered, by service, route template, method and status class.',
    }),
    duration: meter.createHistogram(MetricNames.httpServerRequestDuration, {
      description: 'Time from request arrival to the end of the response.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...HTTP_DURATION_BUCKETS_SECONDS] },
    }),
    bound: new Map(),
  };
  return instruments;
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']);

/** Attribute sets remembered per process: routes are templates and methods and status classes few, so this stays small. */
const MAX_BOUND_SETS = 10_000;

/** Records one answered request in the request counter and the latency histogram (attributes built once per set). */
export function recordHttpServerRequest(record: HttpServerRequestRecord): void {
  const instruments = httpServerInstruments();
  const statusClass = Math.trunc(record.status / 100);
  const key = `${record.service}\n${record.route}\n${record.method}\n${statusClass}`;
  let bound = instruments.bound.get(key);
  if (bound === undefined) {
    const method = record.method.toUpperCase();
    const attributes: Attributes = Object.freeze({
      [MetricAttributes.service]: record.service,
      [MetricAttributes.route]: record.route,
      [MetricAttributes.method]: KNOWN_METHODS.has(method) ? method : '_OTHER',
      [MetricAttributes.statusClass]: `${statusClass}xx`,
    });
    const requests = instruments.requests.bind(JSON.stringify(attributes), () => attributes);
    bound = { attributes, requests };
    if (instruments.bound.size < MAX_BOUND_SETS) instruments.bound.set(key, bound);
  }
  bound.requests.add(1);
  instruments.duration.record(record.durationSeconds, bound.attributes);
}

/** Forgets the instruments (after `shutdownTelemetry`, a new meter provider needs new ones). */
export function resetHttpServerInstruments(): void {
  instruments = undefined;
}
