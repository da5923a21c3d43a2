import { ewmaChart, median, medianAbsoluteDeviation, robustZScores, theilSenSlope } from './statistics';

describe('robust statistics', () => {
  it('when the series is empty or has one value, then the median is null or that value and no slope exists', () => {
    expect(median([])).toBeNull();
    expect(median([7])).toBe(7);
    expect(theilSenSlope([])).toBeNull();
    expect(theilSenSlope([7])).toBeNull();
  });

  it('when a line has one outlier, then Theil–Sen still finds the line’s slope', () => {
    // y = 10 + 2x with day 3 spiked to 100; pairwise slopes: 10 of them, median 2.
    expect(theilSenSlope([10, 12, 14, 100, 18])).toBe(2);
  });

  it('when a day is far from the rest, then its modified z-score is 0.6745·(x − median)/MAD', () => {
    const values = [10, 11, 9, 10, 50];
    // median 10, deviations [0,1,1,0,40] → MAD 1; z(50) = 0.6745·40 = 26.98
    expect(medianAbsoluteDeviation(values)).toBe(1);
    const z = robustZScores(values);
    expect(z[4]).toBeCloseTo(26.98, 2);
    expect(z[1]).toBeCloseTo(0.6745, 4);
  });

  it('when more than half the days are equal, then the MAD is 0 and no z-score is given', () => {
    expect(robustZScores([5, 5, 5, 9])).toEqual([null, null, null, null]);
  });

  it('when the series is flat, then the EWMA chart flags nothing; when it shifts for good, then the first shifted day is flagged', () => {
    expect(ewmaChart([4, 4, 4, 4]).some((p) => p.outside)).toBe(false);
    // median 12, MAD 2 → σ = 2.9652; limit after many days 12 ± 3·2.9652·√(0.3/1.7) = 12 ± 3.737.
    // z stays within 10.6–12 on the 10/12 days; the first 30 lifts it to 0.3·30 + 0.7·z₁₁ ≈ 16.9 > 15.74.
    const chart = ewmaChart([10, 12, 10, 12, 10, 12, 10, 12, 10, 12, 10, 12, 30, 30, 30, 30]);
    expect(chart.slice(0, 12).some((p) => p.outside)).toBe(false);
    expect(chart[12]?.outside).toBe(true);
    expect(chart[12]?.upper).toBeCloseTo(15.737, 2);
  });
});
