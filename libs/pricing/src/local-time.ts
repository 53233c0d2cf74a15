import { DayOfWeek } from '@roamledger/ocpi/values';

/** A UTC instant as the wall clock of a time zone shows it. */
export interface LocalTime {
  /** Local calendar day as days since 1970-01-01 (see dayNumberOf). */
  day: number;
  dayOfWeek: DayOfWeek;
  /** Seconds since local midnight. */
  secondOfDay: number;
}

// 1970-01-01 was a Thursday.
const DAYS = [
  DayOfWeek.THURSDAY,
  DayOfWeek.FRIDAY,
  DayOfWeek.SATURDAY,
  DayOfWeek.SUNDAY,
  DayOfWeek.MONDAY,
  DayOfWeek.TUESDAY,
  DayOfWeek.WEDNESDAY,
];
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
/**
 * Zone offsets per UTC hour: Intl takes microseconds a call, offsets change a few times a year. An
 * hour whose offset differs at its start and at its end holds a change: it is looked up per minute.
 */
const hourOffsets = new Map<string, Map<number, number>>();
const MAX_CACHED_HOURS = 200_000;

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

/** Milliseconds to add to a UTC instant to read the zone's wall clock, from Intl. */
function intlOffset(timeZone: string, epochMillis: number): number {
  const parts: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(new Date(epochMillis))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = new Date(0);
  wall.setUTCFullYear(parts.year, parts.month - 1, parts.day);
  wall.setUTCHours(parts.hour, parts.minute, parts.second, 0);
  return wall.getTime() - Math.floor(epochMillis / 1000) * 1000;
}

// The zone of the last call: a session reads all its instants in one zone.
let lastZone: string | undefined;
let lastHours = new Map<number, number>();

function offsetAt(timeZone: string, epochMillis: number): number {
  let byHour = timeZone === lastZone ? lastHours : hourOffsets.get(timeZone);
  if (!byHour) {
    byHour = new Map();
    hourOffsets.set(timeZone, byHour);
  }
  lastZone = timeZone;
  lastHours = byHour;
  const hour = Math.floor(epochMillis / HOUR_MS);
  let offset = byHour.get(hour);
  if (offset === undefined) {
    const atStart = intlOffset(timeZone, hour * HOUR_MS);
    const atEnd = intlOffset(timeZone, (hour + 1) * HOUR_MS - 1000);
    // NaN marks an hour with a change in it.
    offset = atStart === atEnd ? atStart : Number.NaN;
    if (byHour.size >= MAX_CACHED_HOURS) byHour.clear();
    byHour.set(hour, offset);
  }
  return Number.isNaN(offset) ? intlOffset(timeZone, Math.floor(epochMillis / MINUTE_MS) * MINUTE_MS) : offset;
}

/** The wall clock of `timeZone` (IANA, e.g. Europe/Amsterdam) at a UTC instant. */
export function localTimeOf(epochMillis: number, timeZone: string): LocalTime {
  const wall = epochMillis + offsetAt(timeZone, epochMillis);
  const day = Math.floor(wall / DAY_MS);
  return {
    day,
    dayOfWeek: DAYS[((day % 7) + 7) % 7],
    secondOfDay: Math.floor((wall - day * DAY_MS) / 1000),
  };
}

/** A calendar date (2015-12-24) as the day number LocalTime.day uses. */
export function dayNumberOf(date: string): number {
  const utc = new Date(0);
  utc.setUTCFullYear(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
  return Math.floor(utc.getTime() / DAY_MS);
}

/** Checks the zone once, so a wrong one fails before any pricing. */
export function assertTimeZone(timeZone: string): void {
  formatterOf(timeZone);
}
