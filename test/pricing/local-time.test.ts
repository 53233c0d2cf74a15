// The wall clock the engine reads restrictions in, against Intl's own formatting of the same instant.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DayOfWeek } from '@roamledger/ocpi/values';
import { localTimeOf } from '@roamledger/pricing';
import fc from 'fast-check';

const WEEKDAYS: Record<string, DayOfWeek> = {
  Mon: DayOfWeek.MONDAY,
  Tue: DayOfWeek.TUESDAY,
  Wed: DayOfWeek.WEDNESDAY,
  Thu: DayOfWeek.THURSDAY,
  Fri: DayOfWeek.FRIDAY,
  Sat: DayOfWeek.SATURDAY,
  Sun: DayOfWeek.SUNDAY,
};

/** What Intl shows in `timeZone` at `millis`: [days since 1970-01-01, weekday, seconds of the day]. */
function intlWallClock(millis: number, timeZone: string): [number, DayOfWeek, number] {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
      .formatToParts(new Date(millis))
      .map((part) => [part.type, part.value]),
  );
  const day = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day)) / 86_400_000;
  return [day, WEEKDAYS[parts.weekday], Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second)];
}

// Zones with half- and quarter-hour offsets and changes that are not on a UTC hour.
const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'America/St_Johns',
  'Australia/Adelaide',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Asia/Kathmandu',
  'UTC',
];

test('local time equals what Intl shows, at any second, around summer-time changes too', () => {
  const from = Date.UTC(2020, 0, 1) / 1000;
  const to = Date.UTC(2030, 0, 1) / 1000;
  fc.assert(
    fc.property(fc.integer({ min: from, max: to }), fc.constantFrom(...ZONES), (second, timeZone) => {
      const local = localTimeOf(second * 1000, timeZone);
      assert.deepEqual([local.day, local.dayOfWeek, local.secondOfDay], intlWallClock(second * 1000, timeZone));
    }),
    { numRuns: 2000 },
  );
  // Every minute of the hours around the changes of 2026 in Adelaide (16:30Z) and Berlin (01:00Z).
  for (const [start, timeZone] of [
    [Date.UTC(2026, 3, 4, 15), 'Australia/Adelaide'],
    [Date.UTC(2026, 9, 3, 15), 'Australia/Adelaide'],
    [Date.UTC(2026, 2, 29, 0), 'Europe/Berlin'],
    [Date.UTC(2026, 9, 25, 0), 'Europe/Berlin'],
  ] as const) {
    for (let minute = 0; minute < 180; minute++) {
      const at = start + minute * 60_000 + 59_000;
      const local = localTimeOf(at, timeZone);
      assert.deepEqual([local.day, local.dayOfWeek, local.secondOfDay], intlWallClock(at, timeZone), new Date(at).toISOString());
    }
  }
});
