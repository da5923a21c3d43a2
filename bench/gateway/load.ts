import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { LatencyHistogram, type LatencySummary, now, rate } from '../lib/measure';

/**
 * HTTP load from the bench process with autocannon (its http-parser-js client, keep-alive connections,
 * one request in flight per connection). The bench process does nothing else while it runs; what is
 * measured runs in child processes.
 *
 * Latency: autocannon's own histogram records whole milliseconds (and "corrects" paced runs with a
 * 1 ms expected interval), too coarse for sub-millisecond figures, so every response's duration
 * (process.hrtime, from writing the request to the end of the response) is recorded here in an HDR
 * histogram in microseconds instead. Throughput is counted here too, over the exact wall time of the
 * run (autocannon stops on its next sampling tick after the duration).
 */
export const AUTOCANNON_VERSION = (JSON.parse(readFileSync(require.resolve('autocannon/package.json'), 'utf8')) as { version: string })
  .version;

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  /** Concurrent keep-alive connections (default 32). */
  connections?: number;
  /** Run for this long… */
  durationMs?: number;
  /** …or until exactly this many responses arrived (takes precedence). */
  amount?: number;
  /** autocannon's `overallRate` (requests/s over all connections); see `PacedLoad` for why G3 does not rely on it alone. */
  overallRate?: number;
}

export interface LoadResult {
  /** Responses received (any status). */
  responses: number;
  elapsedMs: number;
  perSecond: number;
  latency: LatencySummary;
  /** The latencies themselves (µs resolution), to merge the rounds of a variant. */
  histogram: LatencyHistogram;
  /** Status code → count. */
  statuses: Map<number, number>;
  /** Connection errors and timeouts (no response). */
  errors: number;
  /** Mean response size on the wire (headers + body; body only for the paced generator). */
  bytesPerResponse: number;
  /** Paced generator only: p99 of (sent − due), ms. */
  sendLagP99Ms?: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const histogram = new LatencyHistogram();
  const statuses = new Map<number, number>();
  let responses = 0;
  let bytes = 0;
  const started = now();
  let lastResponseAt = started;
  const settings: autocannon.Options = {
    url: options.url,
    headers: options.headers,
    connections: options.connections ?? 32,
    pipelining: 1,
    timeout: 10,
    sampleInt: 100,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: (options.durationMs ?? 5_000) / 1000 }),
    ...(options.overallRate !== undefined ? { overallRate: Math.max(1, Math.round(options.overallRate)) } : {}),
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(settings, (error: unknown, finished: autocannon.Result) =>
      error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(finished),
    );
    instance.on('response', (_client, statusCode, resBytes, responseTimeMs) => {
      responses += 1;
      bytes += resBytes;
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
      histogram.recordMs(responseTimeMs);
      lastResponseAt = now();
    });
  });
  // With `amount`, the run ends at the last response; with a duration, at the stop (a tick may add up to 100 ms).
  const elapsedMs = (options.amount !== undefined ? lastResponseAt : now()) - started;
  return {
    responses,
    elapsedMs,
    perSecond: rate(responses, elapsedMs),
    latency: histogram.summary(),
    histogram,
    statuses,
    errors: result.errors,
    bytesPerResponse: responses > 0 ? bytes / responses : 0,
  };
}

/** "200 ×41,230" or "200 ×41,200, 429 ×30"; errors appended. */
export function describeStatuses(load: Pick<LoadResult, 'statuses' | 'errors'>): string {
  const parts = [...load.statuses].sort((a, b) => a[0] - b[0]).map(([status, count]) => `${status} ×${count.toLocaleString('en-US')}`);
  if (load.errors > 0) parts.push(`errors ×${load.errors}`);
  return parts.join(', ') || 'no responses';
}

/** Responses with this status (e.g. 200) / all responses. */
export function shareOf(load: LoadResult, status: number): number {
  return load.responses > 0 ? (load.statuses.get(status) ?? 0) / load.responses : 0;
}
