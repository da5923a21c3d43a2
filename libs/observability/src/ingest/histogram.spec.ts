import { countWithin, percentile, rebucket, ROLLUP_BOUNDS_MS } from './histogram';

describe('rollup histograms', () => {
  it("when the gateway's bounds are re-bucketed, then every count lands on the same bound (300 ms stays empty)", () => {
    const gateway = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000];
    const counts = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
    const result = rebucket(gateway, counts);
    expect(result).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 0, 9, 10, 11, 12, 13, 14]);
  });

  it('when a reporter uses other bounds, then each bucket goes to the next rollup bound above it (never understating)', () => {
    expect(rebucket([3, 200, 20_000], [4, 5, 6, 7])).toEqual([0, 0, 4, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 13]);
  });

  it('when 100 requests are spread over buckets, then p95 and p99 name the buckets holding the 95th and 99th', () => {
    const histogram = new Array<number>(ROLLUP_BOUNDS_MS.length + 1).fill(0);
    histogram[3] = 90; // ≤ 10 ms
    histogram[6] = 6; // 50–100 ms
    histogram[9] = 4; // 300–500 ms
    expect(percentile(histogram, 0.95)).toEqual({ lower_bound_ms: 50, upper_bound_ms: 100 });
    expect(percentile(histogram, 0.99)).toEqual({ lower_bound_ms: 300, upper_bound_ms: 500 });
    expect(countWithin(histogram, 300)).toBe(96);
    expect(percentile(new Array<number>(15).fill(0), 0.95)).toBeNull();
  });
});
