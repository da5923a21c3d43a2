import { Frequency, rrulestr, type RRule, type RRuleSet } from 'rrule';
import { zoneOffsetMs } from '../slos/calendar';
import type { Recurrence } from './maintenance-window.collection';

/** A half-open interval of instants [start, end), in ms since the epoch. */
export interface Interval {
  start: number;
  end: number;
}

/** Occurrences one expansion may produce at most (a window recurring hourly over 13 months is 9,500). */
export const MAX_OCCURRENCES = 10_000;
const DAY_MS = 86_400_000;

/**
 * The instant the local wall-clock time `wall` (its UTC fields read as local) happens in `timezone`, as
 * RFC 5545 reads local times: an ambiguous time (the repeated hour when DST ends) is its FIRST
 * occurrence; a time that does not exist (the skipped hour when DST starts) is read with the offset
 * before the gap, i.e. moved forward by the gap.
 */
export function instantOfLocal(wall: number, timezone: string): number {
  const before = zoneOffsetMs(new Date(wall - DAY_MS), timezone);
  const after = zoneOffsetMs(new Date(wall + DAY_MS), timezone);
  const candidates = [...new Set([before, after])]
    .map((offset) => wall - offset)
    .filter((instant) => zoneOffsetMs(new Date(instant), timezone) === wall - instant);
  return candidates.length > 0 ? Math.min(...candidates) : wall - before;
}

/** Why a rule cannot be used, or null when it can. */
export function ruleProblem(text: string): string | null {
  if (/DTSTART[^:\n]*;TZID=/i.test(text) || /TZID=/i.test(text)) return 'Give the time zone in rule.timezone, not as TZID';
  if (!/DTSTART(;VALUE=DATE-TIME)?:\d{8}T\d{6}(\r?\n|$)/i.test(text))
    return 'Needs DTSTART:YYYYMMDDTHHMMSS, a local time (no Z) read in rule.timezone';
  let rule: RRule | RRuleSet;
  try {
    rule = rrulestr(text, { forceset: false });
  } catch (error) {
    return `Not an RRULE: ${error instanceof Error ? error.message : String(error)}`;
  }
  const options = 'options' in rule ? rule.options : null;
  if (!options || options.freq === undefined || options.freq === null) return 'Needs an RRULE line with FREQ';
  if (options.freq === Frequency.MINUTELY || options.freq === Frequency.SECONDLY) return 'FREQ must be HOURLY or coarser';
  try {
    rule.after(options.dtstart, true);
  } catch (error) {
    return `Not an RRULE: ${error instanceof Error ? error.message : String(error)}`;
  }
  return null;
}

const parsed = new Map<string, RRule | RRuleSet>();

function ruleOf(text: string): RRule | RRuleSet {
  let found = parsed.get(text);
  if (!found) {
    found = rrulestr(text);
    if (parsed.size >= 1_000) parsed.clear();
    parsed.set(text, found);
  }
  return found;
}

/**
 * The occurrences of a recurring window that overlap [from, to), clipped to it. The rule is expanded by
 * the library in floating local time (no TZID: its arithmetic is the wall clock's, whatever the process's
 * zone), and each local start is placed in `timezone` (DST-correct); a window then lasts
 * `duration_minutes` of elapsed time (RFC 5545 DURATION in minutes).
 */
export function occurrences(recurrence: Recurrence, from: number, to: number): Interval[] {
  const rule = ruleOf(recurrence.rrule);
  const duration = recurrence.duration_minutes * 60_000;
  // Local times lie within ±1 day of their instants (offsets are at most 14 h).
  const starts = rule.between(new Date(from - duration - 2 * DAY_MS), new Date(to + 2 * DAY_MS), true, (_date, i) => i < MAX_OCCURRENCES);
  const intervals: Interval[] = [];
  for (const local of starts) {
    const start = instantOfLocal(local.getTime(), recurrence.timezone);
    const end = start + duration;
    if (end > from && start < to) intervals.push({ start: Math.max(start, from), end: Math.min(end, to) });
  }
  return intervals;
}

/** Sorted, disjoint intervals covering the same instants. */
export function union(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].filter((interval) => interval.end > interval.start).sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const interval of sorted) {
    const last = merged[merged.length - 1];
    if (last && interval.start <= last.end) last.end = Math.max(last.end, interval.end);
    else merged.push({ ...interval });
  }
  return merged;
}

export const minutesIn = (intervals: readonly Interval[]): number =>
  intervals.reduce((sum, interval) => sum + (interval.end - interval.start), 0) / 60_000;
