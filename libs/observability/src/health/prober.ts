import { ConflictError, NotFoundError } from '@tenantry/contracts';
import type { Logger } from '@tenantry/telemetry';
import { PROBE_SCOPE, type ProbeHourRepository, type ProbeStatusRepository } from './probe.collection';

export const DEFAULT_PROBE_INTERVAL_MS = 10_000;
const HOUR_MS = 3_600_000;

export interface ProberDeps {
  services: readonly string[];
  urlOf: (service: string) => string;
  hours: ProbeHourRepository;
  statuses: ProbeStatusRepository;
  intervalMs: number;
  /** A probe slower than this is down (default: half the interval). */
  timeoutMs?: number;
  logger: Logger;
}

export interface ProbeResult {
  up: boolean;
  latency_ms: number;
}

/**
 * Probes every service's `/ready` once per interval slot. Every replica probes; the first to record a
 * slot wins it (conditional write of the hour document), and only the winner moves the service's state,
 * so replicas never double count.
 */
export class Prober {
  constructor(private readonly deps: ProberDeps) {}

  async probeAll(now: Date): Promise<void> {
    await Promise.all(this.deps.services.map(async (service) => this.record(service, now, await this.probe(service))));
  }

  private async probe(service: string): Promise<ProbeResult> {
    const started = performance.now();
    try {
      const response = await fetch(`${this.deps.urlOf(service)}/ready`, {
        signal: AbortSignal.timeout(this.deps.timeoutMs ?? this.deps.intervalMs / 2),
      });
      await response.arrayBuffer();
      return { up: response.ok, latency_ms: Math.round((performance.now() - started) * 1000) / 1000 };
    } catch {
      // Refused, reset or timed out: down.
      return { up: false, latency_ms: Math.round((performance.now() - started) * 1000) / 1000 };
    }
  }

  /** Records the probe of the slot containing `now`; false when another replica had recorded it. */
  async record(service: string, now: Date, result: ProbeResult): Promise<boolean> {
    const hourStart = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
    const slot = Math.floor((now.getTime() - hourStart) / this.deps.intervalMs);
    const id = `${service}:${new Date(hourStart).toISOString()}`;
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.deps.hours.findById(PROBE_SCOPE, id);
      if (current?.slots.some((entry) => entry.slot === slot)) return false;
      const entry = { slot, ...result };
      try {
        if (current)
          await this.deps.hours.update(PROBE_SCOPE, id, { slots: [...current.slots, entry] }, { expectedVersion: current.version });
        else await this.deps.hours.insert(PROBE_SCOPE, { service, hour: new Date(hourStart).toISOString(), slots: [entry] }, { id });
        break;
      } catch (error) {
        if (!(error instanceof ConflictError || error instanceof NotFoundError) || attempt >= 5) throw error;
      }
    }
    await this.moveStatus(service, now, result);
    return true;
  }

  private async moveStatus(service: string, now: Date, result: ProbeResult): Promise<void> {
    const { statuses } = this.deps;
    const status = result.up ? ('up' as const) : ('down' as const);
    for (let attempt = 1; ; attempt += 1) {
      const current = await statuses.findById(PROBE_SCOPE, service);
      if (current && current.last_probe_at >= now.toISOString()) return;
      const next = {
        service,
        status,
        since: current && current.status === status ? current.since : now.toISOString(),
        last_probe_at: now.toISOString(),
        last_latency_ms: result.latency_ms,
        consecutive_failures: result.up ? 0 : (current?.consecutive_failures ?? 0) + 1,
      };
      try {
        if (current) await statuses.update(PROBE_SCOPE, service, next, { expectedVersion: current.version });
        else await statuses.insert(PROBE_SCOPE, next, { id: service });
        return;
      } catch (error) {
        if (!(error instanceof ConflictError || error instanceof NotFoundError) || attempt >= 5) throw error;
      }
    }
  }

  /** Up slots / probed slots over [now − windowMs, now); null when nothing was probed. */
  async uptime(service: string, windowMs: number, now: Date): Promise<number | null> {
    const from = now.getTime() - windowMs;
    const ids: string[] = [];
    for (let hour = Math.floor(from / HOUR_MS) * HOUR_MS; hour < now.getTime(); hour += HOUR_MS)
      ids.push(`${service}:${new Date(hour).toISOString()}`);
    const documents = await Promise.all(ids.map((id) => this.deps.hours.findById(PROBE_SCOPE, id)));
    let up = 0;
    let probed = 0;
    for (const document of documents) {
      if (!document) continue;
      const hourStart = Date.parse(document.hour);
      for (const entry of document.slots) {
        const at = hourStart + entry.slot * this.deps.intervalMs;
        if (at < from || at >= now.getTime()) continue;
        probed += 1;
        if (entry.up) up += 1;
      }
    }
    return probed === 0 ? null : Math.round((up / probed) * 1e9) / 1e9;
  }

  status(service: string) {
    return this.deps.statuses.findById(PROBE_SCOPE, service);
  }
}
