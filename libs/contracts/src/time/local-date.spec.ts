import { localDate } from './local-date';

describe('localDate', () => {
  it.each([
    ['2030-01-01T11:30:00Z', 'UTC', '2030-01-01'],
    ['2030-01-01T11:30:00Z', 'Pacific/Auckland', '2030-01-02'],
    ['2030-01-01T03:00:00Z', 'America/Los_Angeles', '2029-12-31'],
    ['2030-03-31T22:30:00Z', 'Europe/Ljubljana', '2030-04-01'],
    ['2030-05-10T23:30:00Z', 'Europe/Ljubljana', '2030-05-11'],
    ['2030-12-31T23:59:59.999Z', 'UTC', '2030-12-31'],
  ])('when the instant is %s in %s, then the local date is %s', (instant, timezone, expected) => {
    expect(localDate(new Date(instant), timezone)).toBe(expected);
  });

  it('when the time zone is unknown, then it throws instead of guessing a day', () => {
    expect(() => localDate(new Date('2030-01-01T00:00:00Z'), 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});
