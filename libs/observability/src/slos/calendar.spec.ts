import { monthContaining, monthIn } from './calendar';

const HOUR = 3_600_000;

describe('calendar months in a time zone', () => {
  it.each([
    // Hand-worked: local midnight on the 1st as UTC; the DST change inside the month makes it an hour longer or shorter.
    {
      month: '2026-10',
      timezone: 'Europe/Ljubljana',
      start: '2026-09-30T22:00:00.000Z',
      end: '2026-10-31T23:00:00.000Z',
      hours: 31 * 24 + 1,
    },
    {
      month: '2026-03',
      timezone: 'Europe/Ljubljana',
      start: '2026-02-28T23:00:00.000Z',
      end: '2026-03-31T22:00:00.000Z',
      hours: 31 * 24 - 1,
    },
    {
      month: '2026-11',
      timezone: 'America/New_York',
      start: '2026-11-01T04:00:00.000Z',
      end: '2026-12-01T05:00:00.000Z',
      hours: 30 * 24 + 1,
    },
    { month: '2026-12', timezone: 'Asia/Kolkata', start: '2026-11-30T18:30:00.000Z', end: '2026-12-31T18:30:00.000Z', hours: 31 * 24 },
    { month: '2026-02', timezone: 'UTC', start: '2026-02-01T00:00:00.000Z', end: '2026-03-01T00:00:00.000Z', hours: 28 * 24 },
  ])('when the month is $month in $timezone, then it runs from $start to $end ($hours h)', ({ month, timezone, start, end, hours }) => {
    const bounds = monthIn(month, timezone);
    expect(bounds.start.toISOString()).toBe(start);
    expect(bounds.end.toISOString()).toBe(end);
    expect((bounds.end.getTime() - bounds.start.getTime()) / HOUR).toBe(hours);
  });

  it("when an instant is already the next day in the zone, then it belongs to that zone's next month", () => {
    expect(monthContaining(new Date('2026-10-31T23:30:00Z'), 'Europe/Ljubljana').month).toBe('2026-11');
    expect(monthContaining(new Date('2026-10-31T23:30:00Z'), 'UTC').month).toBe('2026-10');
  });
});
