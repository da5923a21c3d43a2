import { LocalDays } from './local-days';

const iso = (ms: number): string => new Date(ms).toISOString();

describe('LocalDays', () => {
  it.each([
    [
      'UTC',
      '2025-06-02T12:00:00Z',
      ['2025-06-01T00:00:00.000Z', '2025-06-02T00:00:00.000Z', '2025-06-03T00:00:00.000Z', '2025-06-04T00:00:00.000Z'],
    ],
    [
      'Pacific/Kiritimati',
      '2025-06-02T12:00:00Z',
      ['2025-06-01T10:00:00.000Z', '2025-06-02T10:00:00.000Z', '2025-06-03T10:00:00.000Z', '2025-06-04T10:00:00.000Z'],
    ],
    [
      'Pacific/Pago_Pago',
      '2025-06-02T12:00:00Z',
      ['2025-06-01T11:00:00.000Z', '2025-06-02T11:00:00.000Z', '2025-06-03T11:00:00.000Z', '2025-06-04T11:00:00.000Z'],
    ],
    [
      'Asia/Kathmandu',
      '2025-06-02T12:00:00Z',
      ['2025-05-31T18:15:00.000Z', '2025-06-01T18:15:00.000Z', '2025-06-02T18:15:00.000Z', '2025-06-03T18:15:00.000Z'],
    ],
    // Lord Howe Island moves its clocks by 30 minutes: a 23.5-hour day on 5 October 2025.
    [
      'Australia/Lord_Howe',
      '2025-10-05T06:00:00Z',
      ['2025-10-03T13:30:00.000Z', '2025-10-04T13:30:00.000Z', '2025-10-05T13:00:00.000Z', '2025-10-06T13:00:00.000Z'],
    ],
  ])('when the zone is %s, then days start at its local midnight', (timezone, now, starts) => {
    expect(new LocalDays().around(Date.parse(now), timezone).slice(0, 4).map(iso)).toEqual(starts);
  });

  it('when the local date has not changed, then the same days are returned; when it has, the next ones', () => {
    const days = new LocalDays();
    const first = days.around(Date.parse('2025-06-02T01:00:00Z'), 'Europe/Ljubljana');
    expect(days.around(Date.parse('2025-06-02T21:59:59Z'), 'Europe/Ljubljana')).toBe(first);
    expect(iso(days.endOfDay(Date.parse('2025-06-02T22:00:00Z'), 'Europe/Ljubljana'))).toBe('2025-06-03T22:00:00.000Z');
  });

  it('when the zone is not an IANA zone, then it is a RangeError naming the value', () => {
    expect(() => new LocalDays().around(Date.now(), 'Europe/Atlantis')).toThrow(/IANA time zone .*Europe\/Atlantis/);
  });
});
