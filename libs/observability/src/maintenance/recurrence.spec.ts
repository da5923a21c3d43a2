import { alignInward, appliesTo, MaintenanceSnapshot, outside } from './exclusion';
import type { MaintenanceWindow } from './maintenance-window.collection';
import { instantOfLocal, occurrences, ruleProblem, union } from './recurrence';

const at = (iso: string): number => Date.parse(iso);
const iso = (intervals: { start: number; end: number }[]): [string, string][] =>
  intervals.map((interval) => [new Date(interval.start).toISOString(), new Date(interval.end).toISOString()]);

const stored = (fields: Partial<MaintenanceWindow> & Pick<MaintenanceWindow, 'id' | 'scope'>): MaintenanceWindow => ({
  tenantId: '_maintenance',
  version: 1,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  reason: 'test',
  ...fields,
});

describe('recurring windows in a time zone', () => {
  it.each([
    {
      case: 'weekly, Sunday 01:00 for 3 h, across the end of DST on 2026-10-25 (elapsed hours: 01:00 CEST to 03:00 CET that day)',
      rule: { rrule: 'DTSTART:20261004T010000\nRRULE:FREQ=WEEKLY;BYDAY=SU', timezone: 'Europe/Ljubljana', duration_minutes: 180 },
      from: '2026-10-15T00:00:00Z',
      to: '2026-11-05T00:00:00Z',
      expected: [
        ['2026-10-17T23:00:00.000Z', '2026-10-18T02:00:00.000Z'], // CEST, UTC+2
        ['2026-10-24T23:00:00.000Z', '2026-10-25T02:00:00.000Z'], // 01:00 CEST; the clocks go back at 01:00 UTC
        ['2026-11-01T00:00:00.000Z', '2026-11-01T03:00:00.000Z'], // CET, UTC+1
      ],
    },
    {
      case: 'daily 02:30 for 30 min: the repeated 02:30 of 2026-10-25 is its first (CEST) occurrence',
      rule: { rrule: 'DTSTART:20261001T023000\nRRULE:FREQ=DAILY', timezone: 'Europe/Ljubljana', duration_minutes: 30 },
      from: '2026-10-24T00:00:00Z',
      to: '2026-10-27T00:00:00Z',
      expected: [
        ['2026-10-24T00:30:00.000Z', '2026-10-24T01:00:00.000Z'],
        ['2026-10-25T00:30:00.000Z', '2026-10-25T01:00:00.000Z'],
        ['2026-10-26T01:30:00.000Z', '2026-10-26T02:00:00.000Z'],
      ],
    },
    {
      case: 'daily 02:30 for 30 min: the 02:30 skipped on 2026-03-29 is read before the gap (03:30 CEST)',
      rule: { rrule: 'DTSTART:20260301T023000\nRRULE:FREQ=DAILY', timezone: 'Europe/Ljubljana', duration_minutes: 30 },
      from: '2026-03-28T00:00:00Z',
      to: '2026-03-31T00:00:00Z',
      expected: [
        ['2026-03-28T01:30:00.000Z', '2026-03-28T02:00:00.000Z'],
        ['2026-03-29T01:30:00.000Z', '2026-03-29T02:00:00.000Z'],
        ['2026-03-30T00:30:00.000Z', '2026-03-30T01:00:00.000Z'],
      ],
    },
    {
      case: 'clipped to the interval asked about',
      rule: { rrule: 'DTSTART:20261001T000000\nRRULE:FREQ=DAILY;COUNT=3', timezone: 'UTC', duration_minutes: 60 },
      from: '2026-10-02T00:30:00Z',
      to: '2026-10-10T00:00:00Z',
      expected: [
        ['2026-10-02T00:30:00.000Z', '2026-10-02T01:00:00.000Z'],
        ['2026-10-03T00:00:00.000Z', '2026-10-03T01:00:00.000Z'],
      ],
    },
  ])('$case', ({ rule, from, to, expected }) => {
    expect(iso(occurrences(rule, at(from), at(to)))).toEqual(expected);
  });

  it('when a local time is ordinary, then it is placed with that day’s offset', () => {
    expect(new Date(instantOfLocal(at('2026-07-01T12:00:00Z'), 'Europe/Ljubljana')).toISOString()).toBe('2026-07-01T10:00:00.000Z');
    expect(new Date(instantOfLocal(at('2026-07-01T12:00:00Z'), 'America/New_York')).toISOString()).toBe('2026-07-01T16:00:00.000Z');
  });

  it.each([
    { rrule: 'DTSTART:20261004T020000\nRRULE:FREQ=WEEKLY;BYDAY=SU', problem: null },
    { rrule: 'DTSTART:20261004T020000\nRRULE:FREQ=MONTHLY;BYDAY=1SU;COUNT=12', problem: null },
    { rrule: 'RRULE:FREQ=WEEKLY;BYDAY=SU', problem: /DTSTART/ },
    { rrule: 'DTSTART:20261004T020000Z\nRRULE:FREQ=WEEKLY', problem: /DTSTART/ },
    { rrule: 'DTSTART;TZID=Europe/Ljubljana:20261004T020000\nRRULE:FREQ=WEEKLY', problem: /rule.timezone/ },
    { rrule: 'DTSTART:20261004T020000\nRRULE:FREQ=SOMETIMES', problem: /RRULE/ },
    { rrule: 'DTSTART:20261004T020000\nRRULE:FREQ=WEEKLY;BYDAY=XX', problem: /RRULE/ },
    { rrule: 'DTSTART:20261004T020000\nRRULE:FREQ=MINUTELY', problem: /HOURLY/ },
    { rrule: 'every sunday', problem: /DTSTART/ },
  ])('rule $rrule: problem $problem', ({ rrule, problem }) => {
    if (problem === null) expect(ruleProblem(rrule)).toBeNull();
    else expect(ruleProblem(rrule)).toMatch(problem);
  });
});

describe('which windows apply to an SLI', () => {
  it.each([
    { window: { scope: 'platform' as const }, subject: { service: 'gateway', tenant_id: null }, applies: true },
    { window: { scope: 'platform' as const }, subject: { service: 'tenants', tenant_id: 'ten_a' }, applies: true },
    { window: { scope: 'service' as const, service: 'tenants' }, subject: { service: 'tenants', tenant_id: null }, applies: true },
    { window: { scope: 'service' as const, service: 'tenants' }, subject: { service: 'tenants', tenant_id: 'ten_a' }, applies: true },
    { window: { scope: 'service' as const, service: 'tenants' }, subject: { service: 'gateway', tenant_id: 'ten_a' }, applies: false },
    { window: { scope: 'tenant' as const, tenant_id: 'ten_a' }, subject: { service: 'gateway', tenant_id: 'ten_a' }, applies: true },
    { window: { scope: 'tenant' as const, tenant_id: 'ten_a' }, subject: { service: 'gateway', tenant_id: 'ten_b' }, applies: false },
    { window: { scope: 'tenant' as const, tenant_id: 'ten_a' }, subject: { service: 'gateway', tenant_id: null }, applies: false },
    {
      window: { scope: 'tenant' as const, tenant_id: 'ten_a', service: 'billing' },
      subject: { service: 'gateway', tenant_id: 'ten_a' },
      applies: false,
    },
    {
      window: { scope: 'tenant' as const, tenant_id: 'ten_a', service: 'billing' },
      subject: { service: 'billing', tenant_id: 'ten_a' },
      applies: true,
    },
  ])('window $window for $subject: $applies', ({ window, subject, applies }) => {
    expect(appliesTo(window, subject)).toBe(applies);
  });
});

describe('excluded minutes', () => {
  const now = at('2026-11-10T12:00:00Z');

  it.each([
    // Minutes are kept 3 days + 1 h: a recent window is excluded to the minute.
    { interval: ['2026-11-10T10:15:00Z', '2026-11-10T10:45:00Z'], aligned: ['2026-11-10T10:15:00.000Z', '2026-11-10T10:45:00.000Z'] },
    // Older, only hours are left: the edges move inward to whole hours.
    { interval: ['2026-11-01T10:15:00Z', '2026-11-01T12:45:00Z'], aligned: ['2026-11-01T11:00:00.000Z', '2026-11-01T12:00:00.000Z'] },
    { interval: ['2026-11-01T10:15:00Z', '2026-11-01T10:45:00Z'], aligned: null },
    // Beyond the hours' 35 days, whole UTC days.
    { interval: ['2026-09-01T10:00:00Z', '2026-09-03T10:00:00Z'], aligned: ['2026-09-02T00:00:00.000Z', '2026-09-03T00:00:00.000Z'] },
  ])('$interval as the rollups can exclude it: $aligned', ({ interval, aligned }) => {
    const result = alignInward({ start: at(interval[0] ?? ''), end: at(interval[1] ?? '') }, now);
    expect(result === null ? null : iso([result])[0]).toEqual(aligned);
  });

  it('when windows overlap, then their minutes are counted once and each window says its own', () => {
    const snapshot = new MaintenanceSnapshot(
      [
        stored({ id: 'mw_1', scope: 'platform', starts_at: '2026-11-10T10:00:00.000Z', ends_at: '2026-11-10T10:30:00.000Z' }),
        stored({
          id: 'mw_2',
          scope: 'tenant',
          tenant_id: 'ten_a',
          starts_at: '2026-11-10T10:20:00.000Z',
          ends_at: '2026-11-10T11:00:00.000Z',
        }),
      ],
      new Date(now),
    );
    const from = new Date('2026-11-10T09:00:00Z');
    const to = new Date('2026-11-10T12:00:00Z');
    expect(snapshot.excluded({ service: 'gateway', tenant_id: 'ten_a' }, from, to)).toEqual({
      intervals: [{ start: at('2026-11-10T10:00:00Z'), end: at('2026-11-10T11:00:00Z') }],
      minutes: 60,
      windows: [
        { id: 'mw_1', scope: 'platform', reason: 'test', excluded_minutes: 30 },
        { id: 'mw_2', scope: 'tenant', reason: 'test', excluded_minutes: 40 },
      ],
    });
    expect(snapshot.excluded({ service: 'gateway', tenant_id: 'ten_b' }, from, to).minutes).toBe(30);
    expect(
      iso(outside(from.getTime(), to.getTime(), union([{ start: at('2026-11-10T10:00:00Z'), end: at('2026-11-10T11:00:00Z') }]))),
    ).toEqual([
      ['2026-11-10T09:00:00.000Z', '2026-11-10T10:00:00.000Z'],
      ['2026-11-10T11:00:00.000Z', '2026-11-10T12:00:00.000Z'],
    ]);
  });
});
