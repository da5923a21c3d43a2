import { coverage } from './rollup-reader';

const describeBuckets = (from: string, to: string, now: string) =>
  coverage(new Date(from), new Date(to), new Date(now)).buckets.map(
    (bucket) => `${bucket.resolution[0]}${bucket.start.toISOString().slice(0, 16)}`,
  );

describe('rollup coverage of a window', () => {
  it('when a window spans days, then days fill the middle and hours and minutes the edges', () => {
    const buckets = describeBuckets('2026-11-08T22:58:00Z', '2026-11-10T01:02:00Z', '2026-11-10T01:02:00Z');
    expect(buckets).toEqual([
      'm2026-11-08T22:58',
      'm2026-11-08T22:59',
      'h2026-11-08T23:00',
      'd2026-11-09T00:00',
      'h2026-11-10T00:00',
      'm2026-11-10T01:00',
      'm2026-11-10T01:01',
    ]);
  });

  it('when the window starts before minutes are kept, then its first edge widens to the hour (inexact)', () => {
    const result = coverage(new Date('2026-11-01T10:30:00Z'), new Date('2026-11-01T12:00:00Z'), new Date('2026-11-10T00:00:00Z'));
    expect(result.buckets.map((bucket) => `${bucket.resolution}@${bucket.start.toISOString()}`)).toEqual([
      'hour@2026-11-01T10:00:00.000Z',
      'hour@2026-11-01T11:00:00.000Z',
    ]);
    expect(result.exact).toBe(false);
  });
});
