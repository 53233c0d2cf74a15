import { DayOfWeek } from '@roamledger/ocpi/values';

/** A UTC instant as the wall clock of a time zone shows it. */
export interface LocalTime {
  /** Calendar date, e.g. 2026-10-25 (compares as text). */
  date: string;
  dayOfWeek: DayOfWeek;
  /** Seconds since local midnight. */
  secondOfDay: number;
}

const DAYS = [
  DayOfWeek.SUNDAY,
  DayOfWeek.MONDAY,
  DayOfWeek.TUESDAY,
  DayOfWeek.WEDNESDAY,
  DayOfWeek.THURSDAY,
  DayOfWeek.FRIDAY,
  DayOfWeek.SATURDAY,
];

const formatters = new Map<string, Intl.DateTimeFormat>();
// Zone offsets per minute: Intl is slow (microseconds a call) and offsets change at most a few times a year.
const offsets = new Map<string, Map<number, number>>();
const MAX_CACHED_MINUTES = 100_000;

/** The IANA zone as Intl knows it; a RangeError for a zone that does not exist. */
function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Milliseconds to add to a UTC instant to get the zone's wall clock at that instant. */
function offsetAt(timeZone: string, epochMillis: number): number {
  let byMinute = offsets.get(timeZone);
  if (!byMinute) {
    byMinute = new Map();
    offsets.set(timeZone, byMinute);
  }
  const minute = Math.floor(epochMillis / 60_000);
  let offset = byMinute.get(minute);
  if (offset === undefined) {
    const parts: Record<string, number> = {};
    for (const part of formatterOf(timeZone).formatToParts(new Date(minute * 60_000))) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const wall = new Date(0);
    wall.setUTCFullYear(parts.year, parts.month - 1, parts.day);
    wall.setUTCHours(parts.hour, parts.minute, parts.second, 0);
    offset = wall.getTime() - minute * 60_000;
    if (byMinute.size >= MAX_CACHED_MINUTES) byMinute.clear();
    byMinute.set(minute, offset);
  }
  return offset;
}

/** The wall clock of `timeZone` (IANA, e.g. Europe/Amsterdam) at a UTC instant. */
export function localTimeOf(epochMillis: number, timeZone: string): LocalTime {
  const wall = new Date(epochMillis + offsetAt(timeZone, epochMillis));
  const year = String(wall.getUTCFullYear()).padStart(4, '0');
  const month = String(wall.getUTCMonth() + 1).padStart(2, '0');
  const day = String(wall.getUTCDate()).padStart(2, '0');
  return {
    date: `${year}-${month}-${day}`,
    dayOfWeek: DAYS[wall.getUTCDay()],
    secondOfDay: wall.getUTCHours() * 3600 + wall.getUTCMinutes() * 60 + wall.getUTCSeconds(),
  };
}

/** Checks the zone once, so a wrong one fails before any pricing. */
export function assertTimeZone(timeZone: string): void {
  formatterOf(timeZone);
}
