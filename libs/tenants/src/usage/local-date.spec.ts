import { localDate } from './local-date';

describe('localDate', () => {
  it.each([
    ['2030-01-01T11:30:00Z', 'UTC', '2030-01-01'],
    ['2030-01-01T11:30:00Z', 'Pacific/Auckland', '2030-01-02'],
    ['2030-01-01T03:00:00Z', 'America/Los_Angeles', '2029-12-31'],
    ['2030-03-31T22:30:00Z', 'Europe/Ljubljana', '2030-04-01'],
  ])('%s in %s is %s', (instant, timeZone, expected) => {
    expect(localDate(new Date(instant), timeZone)).toBe(expected);
  });
});
