// Charging sessions written the way a CPO reports them: consecutive charging periods with OCPI volumes.
import type { CdrDimension, ChargingPeriod, Tariff } from '@roamledger/ocpi';
import { CdrDimensionType, OcpiDecimal, parseOcpiDateTime } from '@roamledger/ocpi/values';

export interface Step {
  minutes: number;
  /** kWh charged in the period. */
  energy?: number;
  /** The minutes are charging time (TIME), parking time or reservation time. */
  kind?: 'charging' | 'parking' | 'reservation';
  /** Further dimensions (MAX_CURRENT, MIN_POWER, ...). */
  dimensions?: Partial<Record<CdrDimensionType, number>>;
  tariffId?: string;
}

/** Minutes as OCPI hours, written to 6 decimals as CPOs do (25 min: 0.416667). */
export function hours(minutes: number): number {
  return new OcpiDecimal(minutes).div(60).toDecimalPlaces(6).toNumber();
}

/** Consecutive periods from `start` (any RFC 3339 time), each `minutes` long. */
export function periodsOf(start: string, steps: Step[]): ChargingPeriod[] {
  let at = parseOcpiDateTime(start).getTime();
  return steps.map((step) => {
    const dimensions: CdrDimension[] = [];
    if (step.energy !== undefined) dimensions.push({ type: CdrDimensionType.ENERGY, volume: step.energy });
    const kind = step.kind ?? 'charging';
    const timeType =
      kind === 'charging'
        ? CdrDimensionType.TIME
        : kind === 'parking'
          ? CdrDimensionType.PARKING_TIME
          : CdrDimensionType.RESERVATION_TIME;
    dimensions.push({ type: timeType, volume: hours(step.minutes) });
    for (const [type, volume] of Object.entries(step.dimensions ?? {})) {
      dimensions.push({ type: type as CdrDimensionType, volume });
    }
    const period: ChargingPeriod = {
      start_date_time: new Date(at).toISOString().replace('.000Z', 'Z'),
      dimensions,
      ...(step.tariffId ? { tariff_id: step.tariffId } : {}),
    };
    at += step.minutes * 60_000;
    return period;
  });
}

/** A tariff from its elements; EUR, party DE*ALL. */
export function tariffOf(elements: Tariff['elements'], extra: Partial<Tariff> = {}): Tariff {
  return {
    country_code: 'DE',
    party_id: 'ALL',
    id: 'T1',
    currency: 'EUR',
    elements,
    last_updated: '2026-01-01T00:00:00Z',
    ...extra,
  };
}
