/**
 * Billing periods in the configured time zone (BILLING_TIME_ZONE). Instants are stored in UTC;
 * a month or a date means the wall-clock month or day in that zone.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** Wall-clock fields of `instant` in `timeZone`. */
function wallClock(instant: Date, timeZone: string) {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return parts as { year: number; month: number; day: number; hour: number; minute: number; second: number };
}

/** The zone's offset from UTC at `instant`, in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  const wall = wallClock(new Date(instant), timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

// Zone offsets change on quarter hours at the finest (and months on local midnights), so the
// month of an instant is the month of its quarter hour: Intl is asked once per quarter hour.
const QUARTER_HOUR = 900_000;
const monthCache = new Map<string, string>();

/** `YYYY-MM` of `instant` in `timeZone`: the statement month a CDR ending then belongs to. */
export function monthOf(instant: Date, timeZone: string): string {
  const quarter = Math.floor(instant.getTime() / QUARTER_HOUR);
  const cacheKey = `${timeZone} ${quarter}`;
  let month = monthCache.get(cacheKey);
  if (month === undefined) {
    const wall = wallClock(new Date(quarter * QUARTER_HOUR), timeZone);
    month = `${String(wall.year).padStart(4, '0')}-${String(wall.month).padStart(2, '0')}`;
    if (monthCache.size >= 50_000) monthCache.clear();
    monthCache.set(cacheKey, month);
  }
  return month;
}

/** The UTC instant of local midnight starting `year-month-day` in `timeZone`. */
export function startOfDay(year: number, month: number, day: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day);
  // Two passes settle the offset across a DST change.
  let instant = guess - offsetAt(guess, timeZone);
  instant = guess - offsetAt(instant, timeZone);
  return new Date(instant);
}

/** [from, to) in UTC of a month `YYYY-MM` in `timeZone`. */
export function monthRange(month: string, timeZone: string): { from: Date; to: Date } {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 12) throw new RangeError(`not a month (YYYY-MM): ${month}`);
  const year = Number(match[1]);
  const monthNumber = Number(match[2]);
  return {
    from: startOfDay(year, monthNumber, 1, timeZone),
    to: startOfDay(monthNumber === 12 ? year + 1 : year, monthNumber === 12 ? 1 : monthNumber + 1, 1, timeZone),
  };
}

/**
 * A `from`/`to` bound of the finance API: a date `YYYY-MM-DD` is local midnight in `timeZone`; a
 * date-time with `Z` or an offset is that instant. Anything else is refused.
 */
export function parseBound(text: string, timeZone: string): Date {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const check = new Date(Date.UTC(year, month - 1, day));
    if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) throw new RangeError(`not a date: ${text}`);
    return startOfDay(year, month, day, timeZone);
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    const instant = new Date(text);
    if (!Number.isNaN(instant.getTime())) return instant;
  }
  throw new RangeError(`expected a date (YYYY-MM-DD) or a date-time with Z or an offset, got "${text}"`);
}
