import http from 'node:http';
import { LatencyHistogram, now, rate, sleep } from '../lib/measure';
import type { LoadResult } from './load';

/**
 * Open-loop load at a fixed rate with evenly spaced arrivals: request i is due at start + i / rate and
 * is sent on the first timer tick at or after that (≈ 1 ms granularity), whether or not earlier ones
 * have been answered (keep-alive agent, up to `maxSockets` in flight).
 *
 * Why not autocannon's `overallRate` alone: it gives each connection a per-second budget
 * (rate / connections) that it spends back to back at the start of every second, then idles, so "half
 * of max load" is full load for about half of each second and the latency measured is that of a
 * saturated server. Both are reported by G3.
 *
 * Latency is from handing the request to the socket to the end of the response body. `lagMs` says how
 * late the generator itself sent (p99 of due → sent); a large lag means the bench process, not the
 * server, was the bottleneck.
 */
export interface PacedLoadOptions {
  url: string;
  headers?: Record<string, string>;
  perSecond: number;
  durationMs: number;
  maxSockets?: number;
}

export async function runPacedLoad(options: PacedLoadOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const latency = new LatencyHistogram();
  const lag = new LatencyHistogram();
  const statuses = new Map<number, number>();
  let errors = 0;
  let responses = 0;
  let bytes = 0;
  let inFlight = 0;
  const intervalMs = 1000 / options.perSecond;
  const total = Math.floor((options.durationMs / 1000) * options.perSecond);

  const send = (dueAt: number): void => {
    const sentAt = now();
    lag.recordMs(sentAt - dueAt);
    inFlight += 1;
    const request = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: 'GET',
        headers: options.headers,
      },
      (response) => {
        let size = 0;
        response.on('data', (chunk: Buffer) => (size += chunk.length));
        response.on('end', () => {
          latency.recordMs(now() - sentAt);
          responses += 1;
          bytes += size;
          statuses.set(response.statusCode ?? 0, (statuses.get(response.statusCode ?? 0) ?? 0) + 1);
          inFlight -= 1;
        });
      },
    );
    request.on('error', () => {
      errors += 1;
      inFlight -= 1;
    });
    request.end();
  };

  const started = now();
  let next = 0;
  try {
    while (next < total) {
      const elapsed = now() - started;
      while (next < total && next * intervalMs <= elapsed) {
        send(started + next * intervalMs);
        next += 1;
      }
      await sleep(1);
    }
    const deadline = now() + 10_000;
    while (inFlight > 0 && now() < deadline) await sleep(1);
  } finally {
    agent.destroy();
  }
  const elapsedMs = now() - started;
  return {
    responses,
    elapsedMs,
    perSecond: rate(responses, elapsedMs),
    latency: latency.summary(),
    histogram: latency,
    statuses,
    errors,
    bytesPerResponse: responses > 0 ? bytes / responses : 0,
    sendLagP99Ms: lag.percentileMs(99),
  };
}
