import { RESOLUTION_MS, RETENTION_MS, type Resolution } from '../ingest/rollup.collection';
import { MAINTENANCE_SCOPE, type MaintenanceWindow, type MaintenanceWindowRepository } from './maintenance-window.collection';
import { minutesIn, occurrences, union, type Interval } from './recurrence';

/** Whose SLI: a service's own (tenant_id null) or one tenant's traffic on a service (`gateway` for a plan's SLA). */
export interface ExclusionSubject {
  service: string;
  tenant_id: string | null;
}

export interface ExcludingWindow {
  id: string;
  scope: MaintenanceWindow['scope'];
  reason: string;
  /** Minutes of this window inside the interval asked about (windows may overlap: their sum can exceed the total). */
  excluded_minutes: number;
}

export interface Exclusion {
  /** Sorted, disjoint, aligned to the finest rollup still kept at each edge. */
  intervals: Interval[];
  /** Their length in minutes. */
  minutes: number;
  windows: ExcludingWindow[];
}

const NOTHING: Exclusion = { intervals: [], minutes: 0, windows: [] };

/**
 * Does `window` apply to `subject`? A platform window to everything; a service window to that service's
 * SLIs, its own and every tenant's share of it; a tenant window to that tenant's SLIs (those of one
 * service when it names one), never to a service's own SLI nor another tenant's.
 */
export function appliesTo(window: Pick<MaintenanceWindow, 'scope' | 'tenant_id' | 'service'>, subject: ExclusionSubject): boolean {
  if (window.scope === 'platform') return true;
  if (window.scope === 'service') return window.service === subject.service;
  return subject.tenant_id !== null && window.tenant_id === subject.tenant_id && (window.service ?? subject.service) === subject.service;
}

/** The window's intervals overlapping [from, to), clipped to it (recurring ones expanded in their time zone). */
export function intervalsOf(window: Pick<MaintenanceWindow, 'starts_at' | 'ends_at' | 'rule'>, from: number, to: number): Interval[] {
  if (window.rule) return occurrences(window.rule, from, to);
  const start = Date.parse(window.starts_at ?? '');
  const end = Date.parse(window.ends_at ?? '');
  return end > from && start < to ? [{ start: Math.max(start, from), end: Math.min(end, to) }] : [];
}

/** The finest rollup resolution still kept at `at` (as ingest/rollup-reader's coverage decides). */
function keptResolution(at: number, now: number): Resolution {
  return (['minute', 'hour', 'day'] as const).find((resolution) => at >= now - RETENTION_MS[resolution]) ?? 'day';
}

/**
 * An interval as the rollups can exclude it: where minutes are no longer kept its edges move INWARD to
 * the hour (the day beyond the hours' retention), so a partly excluded bucket counts whole: an exclusion
 * never removes a minute that was not in maintenance.
 */
export function alignInward(interval: Interval, now: number): Interval | null {
  const startSize = RESOLUTION_MS[keptResolution(interval.start, now)];
  const endSize = RESOLUTION_MS[keptResolution(interval.end, now)];
  const start = Math.ceil(interval.start / startSize) * startSize;
  const end = Math.floor(interval.end / endSize) * endSize;
  return end > start ? { start, end } : null;
}

/** [from, to) less the intervals (sorted, disjoint): the spans whose minutes count. */
export function outside(from: number, to: number, excluded: readonly Interval[]): Interval[] {
  const spans: Interval[] = [];
  let at = from;
  for (const interval of excluded) {
    if (interval.end <= at) continue;
    if (interval.start >= to) break;
    if (interval.start > at) spans.push({ start: at, end: interval.start });
    at = Math.max(at, interval.end);
  }
  if (at < to) spans.push({ start: at, end: to });
  return spans;
}

/**
 * The maintenance windows as one evaluation sees them (read once), with each expansion remembered:
 * the subjects of an evaluation ask about the same few intervals again and again.
 */
export class MaintenanceSnapshot {
  private readonly memo = new Map<string, Exclusion>();

  constructor(
    readonly windows: readonly MaintenanceWindow[],
    private readonly now: Date,
  ) {}

  /** What is excluded for `subject` in [from, to). */
  excluded(subject: ExclusionSubject, from: Date, to: Date): Exclusion {
    const applicable = this.windows.filter((window) => appliesTo(window, subject));
    if (applicable.length === 0 || to <= from) return NOTHING;
    const key = `${applicable.map((window) => window.id).join(',')}|${from.getTime()}|${to.getTime()}`;
    let found = this.memo.get(key);
    if (!found) {
      found = this.expand(applicable, from.getTime(), to.getTime());
      this.memo.set(key, found);
    }
    return found;
  }

  private expand(windows: readonly MaintenanceWindow[], from: number, to: number): Exclusion {
    const now = this.now.getTime();
    const all: Interval[] = [];
    const causes: ExcludingWindow[] = [];
    for (const window of windows) {
      const own = union(
        intervalsOf(window, from, to)
          .map((interval) => alignInward(interval, now))
          .filter((interval): interval is Interval => interval !== null),
      );
      if (own.length === 0) continue;
      all.push(...own);
      causes.push({ id: window.id, scope: window.scope, reason: window.reason, excluded_minutes: minutesIn(own) });
    }
    const intervals = union(all);
    return { intervals, minutes: minutesIn(intervals), windows: causes };
  }
}

/** No maintenance at all (callers that were not given the windows). */
export const NO_MAINTENANCE = new MaintenanceSnapshot([], new Date(0));

/** Reads the windows in force: few by nature, so an evaluation reads them all once. */
export class MaintenanceWindows {
  constructor(readonly repository: MaintenanceWindowRepository) {}

  async snapshot(now: Date): Promise<MaintenanceSnapshot> {
    const windows: MaintenanceWindow[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.repository.list(MAINTENANCE_SCOPE, { limit: 1_000, ...(cursor ? { cursor } : {}) });
      windows.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return new MaintenanceSnapshot(windows, now);
  }
}
