/** Calendar months in a time zone, as instants (DST changes move the offset between a month's two ends). */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let found = formatters.get(timezone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, found);
  }
  return found;
}

/** The zone's offset from UTC at `at`, in ms (local = UTC + offset). */
export function zoneOffsetMs(at: Date, timezone: string): number {
  const parts = Object.fromEntries(
    formatter(timezone)
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  const local = Date.UTC(
    Number(parts['year']),
    Number(parts['month']) - 1,
    Number(parts['day']),
    Number(parts['hour']),
    Number(parts['minute']),
    Number(parts['second']),
  );
  return local - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant the local wall-clock time `y-m-d 00:00` happens in `timezone`. */
export function startOfLocalDay(year: number, month: number, day: number, timezone: string): Date {
  const wall = Date.UTC(year, month - 1, day);
  let guess = wall - zoneOffsetMs(new Date(wall), timezone);
  // The offset at the guess may differ (a DST change between UTC and local midnight): one correction settles it.
  guess = wall - zoneOffsetMs(new Date(guess), timezone);
  return new Date(guess);
}

export interface Month {
  /** `YYYY-MM` */
  month: string;
  timezone: string;
  start: Date;
  end: Date;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The calendar month `YYYY-MM` in `timezone` as [start, end) instants. */
export function monthIn(month: string, timezone: string): Month {
  const match = MONTH.exec(month);
  if (!match) throw new Error(`Not a month: ${month}`);
  const year = Number(match[1]);
  const number = Number(match[2]);
  const next = number === 12 ? { year: year + 1, month: 1 } : { year, month: number + 1 };
  return { month, timezone, start: startOfLocalDay(year, number, 1, timezone), end: startOfLocalDay(next.year, next.month, 1, timezone) };
}

/** The month containing `at` in `timezone`. */
export function monthContaining(at: Date, timezone: string): Month {
  const local = new Date(at.getTime() + zoneOffsetMs(at, timezone));
  return monthIn(`${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, '0')}`, timezone);
}
