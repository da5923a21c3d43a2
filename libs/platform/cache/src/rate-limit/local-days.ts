/** Zones remembered at once; tenants use a few hundred at most, so this only stops unbounded growth. */
const MAX_ZONES = 1024;
const HOUR_S = 3600;

/** Starts (ms since epoch) of the local days D-1 … D+4. */
export type LocalDayStarts = readonly [number, number, number, number, number, number];

interface Around {
  starts: LocalDayStarts;
  /** The same starts joined by commas (the rate-limit script's one argument), made once per zone and day. */
  joined: string;
}

/**
 * Where a tenant's calendar days begin and end, in its IANA time zone: a day is from the first instant
 * whose local date is D to the first whose local date is D+1, so DST days are 23 or 25 hours long and a
 * day whose midnight does not exist (clocks jump 00:00 → 01:00) starts at 01:00. Uses the runtime's
 * time-zone data (Intl); results are cached per zone until the local date changes, so the hot path
 * is one Map lookup.
 */
export class LocalDays {
  private readonly formatters = new Map<string, Intl.DateTimeFormat>();
  private readonly cache = new Map<string, Around>();

  /**
   * The starts of the local days D-1 … D+4 (ms since epoch), D being the local date at `now`: enough to
   * find the day containing any instant within a day of `now` (another clock's "now"), and the end of a
   * window that may not end before the day after tomorrow (a time-zone change, see `nextDayWindow`).
   */
  around(now: number, timezone: string): LocalDayStarts {
    return this.aroundOf(now, timezone).starts;
  }

  /** `around`, joined by commas: what the Redis rate-limit script takes as one argument (the same string while the day lasts). */
  aroundJoined(now: number, timezone: string): string {
    return this.aroundOf(now, timezone).joined;
  }

  private aroundOf(now: number, timezone: string): Around {
    const cached = this.cache.get(timezone);
    if (cached && now >= cached.starts[1] && now < cached.starts[2]) return cached;
    const starts = this.compute(now, timezone);
    if (this.cache.size >= MAX_ZONES) this.cache.clear();
    const around = { starts, joined: starts.join(',') };
    this.cache.set(timezone, around);
    return around;
  }

  /** The end of the local day containing `now` (ms since epoch). */
  endOfDay(now: number, timezone: string): number {
    return this.around(now, timezone)[2];
  }

  private compute(now: number, timezone: string): [number, number, number, number, number, number] {
    const format = this.formatter(timezone);
    const [year, month, day] = localDate(now, format);
    const startOf = (offsetDays: number): number => startOfLocalDate(Date.UTC(year, month - 1, day + offsetDays), format);
    return [startOf(-1), startOf(0), startOf(1), startOf(2), startOf(3), startOf(4)];
  }

  private formatter(timezone: string): Intl.DateTimeFormat {
    let format = this.formatters.get(timezone);
    if (!format) {
      try {
        format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric', month: 'numeric', day: 'numeric' });
      } catch (error) {
        throw new RangeError(`timezone must be an IANA time zone such as 'Europe/Ljubljana', got ${JSON.stringify(timezone)}`, {
          cause: error,
        });
      }
      if (this.formatters.size >= MAX_ZONES) this.formatters.clear();
      this.formatters.set(timezone, format);
    }
    return format;
  }
}

function localDate(instant: number, format: Intl.DateTimeFormat): [number, number, number] {
  let year = 0;
  let month = 0;
  let day = 0;
  for (const part of format.formatToParts(instant)) {
    if (part.type === 'year') year = Number(part.value);
    else if (part.type === 'month') month = Number(part.value);
    else if (part.type === 'day') day = Number(part.value);
  }
  return [year, month, day];
}

const dateNumber = ([year, month, day]: [number, number, number]): number => year * 10_000 + month * 100 + day;

/**
 * The first instant (whole second) whose local date is the calendar date of `utcMidnight`. Every zone's
 * offset is within ±14 h, so that instant lies within 15 h of UTC midnight: binary search there.
 */
function startOfLocalDate(utcMidnight: number, format: Intl.DateTimeFormat): number {
  const date = new Date(utcMidnight);
  const target = dateNumber([date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()]);
  let low = utcMidnight / 1000 - 15 * HOUR_S;
  let high = utcMidnight / 1000 + 15 * HOUR_S;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (dateNumber(localDate(middle * 1000, format)) >= target) high = middle;
    else low = middle + 1;
  }
  return low * 1000;
}
