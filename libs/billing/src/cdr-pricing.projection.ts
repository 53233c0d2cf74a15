import type { CdrReceived } from '@roamledger/cdrs';
import type { RecordedEvent } from '@roamledger/event-store';
import type { LocationPublished, LocationUpdated } from '@roamledger/locations';
import { type CDR, type ChargingPeriod, Money, minorUnits, OcpiDecimal, type Tariff } from '@roamledger/ocpi';
import {
  COST_DIMENSIONS,
  type Cost,
  type CostDimension,
  PRICING_ENGINE_VERSION,
  type PricingResult,
  price,
} from '@roamledger/pricing';
import {
  loadRowSets,
  type Projection,
  type ProjectionContext,
  type ProjectionTable,
  type Row,
  SqlParams,
  upsertSql,
  writeAll,
} from '@roamledger/projections';
import type { ChargingPeriodsAdded, SessionEnded, SessionStarted, SessionUpdated } from '@roamledger/sessions';
import type { TariffPublished, TariffRemoved } from '@roamledger/tariffs';
import { upper, utc } from './cdr-ledger';

export const PRICING_PROJECTION = 'pricing';

/** The finding code of a CDR whose stated total_cost is not what its tariff gives (`CdrCostMismatch`). */
export const CDR_COST_MISMATCH = 'cdr_cost_mismatch';

export interface PricingProjectionSettings {
  /** PRICING_ENGINE_VERSION of libs/pricing (the default): a new engine rebuilds the findings beside the live ones. */
  engineVersion?: number;
  /** PRICING_TOLERANCE: differences of at most this many minor units are no finding. */
  toleranceMinorUnits: number;
}

/** Every version of every tariff, with the interval it was in force (last_updated to the next version's, or the DELETE). */
export const PRICING_TARIFFS: ProjectionTable = {
  name: 'pricing_tariffs',
  columns: [
    { name: 'country_code', type: 'text', required: true },
    { name: 'party_id', type: 'text', required: true },
    { name: 'tariff_key', type: 'text', required: true },
    { name: 'version', type: 'integer', required: true },
    { name: 'tariff', type: 'text', required: true },
    { name: 'valid_from', type: 'timestamptz', required: true },
    { name: 'valid_to', type: 'timestamptz' },
    { name: 'position', type: 'bigint', required: true },
  ],
  primaryKey: ['tariff_key', 'country_code', 'party_id', 'version'],
};

/** Each location's time zone: tariff restrictions are read in its wall clock. */
export const PRICING_LOCATIONS: ProjectionTable = {
  name: 'pricing_locations',
  columns: [
    { name: 'country_code', type: 'text', required: true },
    { name: 'party_id', type: 'text', required: true },
    { name: 'location_key', type: 'text', required: true },
    { name: 'time_zone', type: 'text' },
    { name: 'position', type: 'bigint', required: true },
  ],
  primaryKey: ['location_key', 'country_code', 'party_id'],
};

/**
 * One row per CDR (not credit CDRs: they restate an original with its total negated): what we
 * price it at, with which tariff versions, the difference from what the CPO stated, and the
 * CdrCostMismatch finding when that is beyond the tolerance. `status` unpriced says why not.
 */
export const CDR_PRICING: ProjectionTable = {
  name: 'cdr_pricing',
  columns: [
    { name: 'country_code', type: 'text', required: true },
    { name: 'party_id', type: 'text', required: true },
    { name: 'cdr_key', type: 'text', required: true },
    { name: 'cdr_id', type: 'text', required: true },
    { name: 'status', type: 'text', required: true },
    { name: 'reason', type: 'text' },
    { name: 'finding', type: 'text' },
    { name: 'currency', type: 'text', required: true },
    { name: 'stated_excl_vat', type: 'numeric', required: true },
    { name: 'stated_incl_vat', type: 'numeric' },
    { name: 'priced_excl_vat', type: 'numeric' },
    { name: 'priced_incl_vat', type: 'numeric' },
    // stated - priced: positive when the CPO bills more than its tariff gives.
    { name: 'difference_excl_vat', type: 'numeric' },
    { name: 'difference_incl_vat', type: 'numeric' },
    { name: 'tariffs', type: 'text[]', required: true },
    { name: 'time_zone', type: 'text' },
    { name: 'breakdown', type: 'text' },
    // A CDR whose tariff we do not hold yet: priced again when that tariff is published (pulls
    // bring CDRs before tariffs). The CDR is kept here for that, only while it waits.
    { name: 'awaiting_tariff_key', type: 'text' },
    { name: 'cdr', type: 'text' },
    { name: 'engine_version', type: 'integer', required: true },
    { name: 'position', type: 'bigint', required: true },
  ],
  primaryKey: ['cdr_key', 'country_code', 'party_id'],
  indexes: [
    ['finding', 'country_code', 'party_id'],
    ['awaiting_tariff_key', 'country_code', 'party_id'],
  ],
};

/**
 * Each session's cost so far: its charging periods priced with the tariff versions in force at its
 * start (the tariff_id its periods name), re-priced whenever periods are added. The session view shows it.
 */
export const SESSION_PRICING: ProjectionTable = {
  name: 'session_pricing',
  columns: [
    { name: 'country_code', type: 'text', required: true },
    { name: 'party_id', type: 'text', required: true },
    { name: 'session_key', type: 'text', required: true },
    { name: 'start_at', type: 'timestamptz', required: true },
    { name: 'location_key', type: 'text', required: true },
    { name: 'currency', type: 'text', required: true },
    { name: 'end_at', type: 'timestamptz' },
    { name: 'charging_periods', type: 'text', required: true },
    { name: 'status', type: 'text', required: true },
    { name: 'reason', type: 'text' },
    { name: 'cost_excl_vat', type: 'numeric' },
    { name: 'cost_incl_vat', type: 'numeric' },
    { name: 'tariffs', type: 'text[]', required: true },
    { name: 'engine_version', type: 'integer', required: true },
    { name: 'position', type: 'bigint', required: true },
  ],
  primaryKey: ['session_key', 'country_code', 'party_id'],
};

export const PRICING_EVENT_TYPES = [
  'TariffPublished',
  'TariffRemoved',
  'LocationPublished',
  'LocationUpdated',
  'CdrReceived',
  'SessionStarted',
  'SessionUpdated',
  'ChargingPeriodsAdded',
  'SessionEnded',
] as const;

type PricingEvent = RecordedEvent &
  (
    | TariffPublished
    | TariffRemoved
    | LocationPublished
    | LocationUpdated
    | CdrReceived
    | SessionStarted
    | SessionUpdated
    | ChargingPeriodsAdded
    | SessionEnded
  );

const key = (...parts: string[]) => parts.join('\u0000');

/**
 * What a session's cost so far is made of. Most session PATCHes change none of it (kwh, status,
 * last_updated): those leave the session's row as it was, unread and unwritten.
 */
const PRICE_INPUTS = ['charging_periods', 'start_date_time', 'end_date_time', 'currency', 'location_id'];
const changesPrice = (event: PricingEvent) =>
  event.type !== 'SessionUpdated' || PRICE_INPUTS.some((field) => field in event.data.changes);

/**
 * The cost check of every CDR, as a projection of the log: off the CDR write path, rebuilt from
 * position 0 when the engine (or the tolerance) changes, beside the serving build.
 */
export function pricingProjection(options: PricingProjectionSettings): Projection {
  const settings = { ...options, engineVersion: options.engineVersion ?? PRICING_ENGINE_VERSION };
  return {
    name: PRICING_PROJECTION,
    // Version 2: a 2.3.0 tariff's tax_included decides which of the CDR's totals is checked.
    // Version 3: session_pricing no longer keeps kwh (nothing read it), so a kwh PATCH leaves it be.
    version: 3,
    settings: { engineVersion: settings.engineVersion, toleranceMinorUnits: settings.toleranceMinorUnits },
    tables: [PRICING_TARIFFS, PRICING_LOCATIONS, CDR_PRICING, SESSION_PRICING],
    filter: { eventTypes: [...PRICING_EVENT_TYPES] },
    apply: (events, context) => new PricingBatch(context, settings).apply(events as PricingEvent[]),
  };
}

// Parsed tariffs by their stored text: the engine compiles a tariff once per object (a WeakMap), so
// the same object must come back for every CDR priced with that version. Keyed by the text itself,
// not by id and version, so two stores in one process (a rebuild beside the live build) never mix.
const TARIFF_CACHE_LIMIT = 10_000;
const tariffCache = new Map<string, Tariff>();
function tariffOf(row: Row): Tariff {
  const text = String(row.tariff);
  let tariff = tariffCache.get(text);
  if (!tariff) {
    if (tariffCache.size >= TARIFF_CACHE_LIMIT) tariffCache.clear();
    tariff = JSON.parse(text) as Tariff;
    tariffCache.set(text, tariff);
  }
  return tariff;
}

interface TariffChoice {
  id: string;
  tariff: Tariff;
  /** The Tariffs module's version, or null for the copy embedded in the CDR. */
  version: number | null;
}

class PricingBatch {
  private readonly versions = new Map<string, Row[]>();
  private readonly zones = new Map<string, Row>();
  private readonly dirtyVersions = new Map<string, Row>();
  private readonly dirtyZones = new Set<string>();
  private readonly cdrRows: Row[] = [];
  /** CDRs held waiting for a tariff this batch publishes (read from cdr_pricing), and those of this batch. */
  private readonly awaiting: CDR[] = [];
  private readonly sessions = new Map<string, Row>();
  private readonly dirtySessions = new Set<string>();
  private readonly sessionTable: string;
  private readonly tariffTable: string;
  private readonly locationTable: string;
  private readonly cdrTable: string;

  constructor(
    private readonly context: ProjectionContext,
    private readonly settings: Required<PricingProjectionSettings>,
  ) {
    this.tariffTable = context.table(PRICING_TARIFFS.name);
    this.locationTable = context.table(PRICING_LOCATIONS.name);
    this.cdrTable = context.table(CDR_PRICING.name);
    this.sessionTable = context.table(SESSION_PRICING.name);
  }

  async apply(events: readonly PricingEvent[]): Promise<void> {
    const pricing = events.filter(changesPrice);
    await this.load(pricing);
    for (const event of pricing) this.fold(event);
    await this.store();
  }

  private async load(events: readonly PricingEvent[]): Promise<void> {
    const tariffKeys = new Map<string, Row>();
    const locationKeys = new Map<string, Row>();
    const addTariff = (country: string, party: string, id: string) =>
      tariffKeys.set(key(upper(country), upper(party), upper(id)), {
        country_code: upper(country),
        party_id: upper(party),
        tariff_key: upper(id),
      });
    const addLocation = (country: string, party: string, id: string) =>
      locationKeys.set(key(upper(country), upper(party), upper(id)), {
        country_code: upper(country),
        party_id: upper(party),
        location_key: upper(id),
      });
    const sessionKeys = new Map<string, Row>();
    const published = new Map<string, Row>();
    for (const event of events) {
      const data = event.data;
      if (
        event.type === 'SessionStarted' ||
        event.type === 'SessionUpdated' ||
        event.type === 'ChargingPeriodsAdded' ||
        event.type === 'SessionEnded'
      ) {
        const ref = {
          country_code: upper(data.country_code),
          party_id: upper(data.party_id),
          session_key: upper(event.data.session_id),
        };
        sessionKeys.set(key(ref.country_code, ref.party_id, ref.session_key), ref);
        if (event.type === 'SessionStarted' && event.data.session?.location_id) {
          addLocation(data.country_code, data.party_id, event.data.session.location_id);
          for (const period of event.data.session.charging_periods ?? [])
            if (period.tariff_id) addTariff(data.country_code, data.party_id, period.tariff_id);
        }
        if (event.type === 'ChargingPeriodsAdded') {
          for (const period of event.data.charging_periods)
            if (period.tariff_id) addTariff(data.country_code, data.party_id, period.tariff_id);
        }
      } else if (event.type === 'TariffPublished' || event.type === 'TariffRemoved') {
        addTariff(data.country_code, data.party_id, event.data.tariff_id);
        if (event.type === 'TariffPublished') {
          published.set(key(upper(data.country_code), upper(data.party_id), upper(event.data.tariff_id)), {
            awaiting_tariff_key: upper(event.data.tariff_id),
            country_code: upper(data.country_code),
            party_id: upper(data.party_id),
          });
        }
      } else if (event.type === 'LocationPublished' || event.type === 'LocationUpdated') {
        addLocation(data.country_code, data.party_id, event.data.location_id);
      } else {
        const cdr = event.data.cdr;
        for (const id of tariffIdsOf(cdr)) addTariff(cdr.country_code, cdr.party_id, id);
        addLocation(cdr.country_code, cdr.party_id, cdr.cdr_location.id);
      }
    }
    const awaitingKeys = [...published.values()];
    const [sessionRows, awaitingRows] = await loadRowSets(this.context.db, [
      { table: SESSION_PRICING, physical: this.sessionTable, lookups: [{ keys: [...sessionKeys.values()] }] },
      {
        table: CDR_PRICING,
        physical: this.cdrTable,
        lookups: [{ keys: awaitingKeys, by: ['awaiting_tariff_key', 'country_code', 'party_id'] }],
      },
    ]);
    for (const row of awaitingRows) {
      const cdr = JSON.parse(String(row.cdr)) as CDR;
      this.awaiting.push(cdr);
      for (const id of tariffIdsOf(cdr)) addTariff(cdr.country_code, cdr.party_id, id);
      addLocation(cdr.country_code, cdr.party_id, cdr.cdr_location.id);
    }
    // A session's tariffs and zone are needed to re-price it, whichever event of the batch touches it.
    for (const row of sessionRows) {
      this.sessions.set(key(String(row.country_code), String(row.party_id), String(row.session_key)), row);
      addLocation(String(row.country_code), String(row.party_id), String(row.location_key));
      for (const period of JSON.parse(String(row.charging_periods)) as ChargingPeriod[])
        if (period.tariff_id) addTariff(String(row.country_code), String(row.party_id), period.tariff_id);
    }
    const [tariffRows, locationRows] = await loadRowSets(this.context.db, [
      {
        table: PRICING_TARIFFS,
        physical: this.tariffTable,
        lookups: [{ keys: [...tariffKeys.values()], by: ['tariff_key', 'country_code', 'party_id'] }],
      },
      { table: PRICING_LOCATIONS, physical: this.locationTable, lookups: [{ keys: [...locationKeys.values()] }] },
    ]);
    for (const row of tariffRows) {
      const rowKey = key(String(row.country_code), String(row.party_id), String(row.tariff_key));
      const list = this.versions.get(rowKey) ?? [];
      list.push(row);
      this.versions.set(rowKey, list);
    }
    for (const list of this.versions.values()) list.sort((a, b) => Number(a.version) - Number(b.version));
    for (const row of locationRows) {
      this.zones.set(key(String(row.country_code), String(row.party_id), String(row.location_key)), row);
    }
  }

  private fold(event: PricingEvent): void {
    switch (event.type) {
      case 'TariffPublished':
        this.publishTariff(event, event.data);
        this.repriceAwaiting(event, event.data);
        return;
      case 'TariffRemoved':
        this.removeTariff(event, event.data);
        return;
      case 'LocationPublished':
        if (event.data.location.time_zone !== undefined) this.setZone(event, event.data, event.data.location.time_zone);
        return;
      case 'LocationUpdated':
        if ('time_zone' in event.data.changes) this.setZone(event, event.data, event.data.changes.time_zone as string | null);
        return;
      case 'CdrReceived': {
        const row = this.priceCdr(event, event.data.cdr);
        if (row.awaiting_tariff_key) this.awaiting.push(event.data.cdr);
        this.cdrRows.push(row);
        return;
      }
      default:
        this.updateSession(event);
    }
  }

  private updateSession(event: PricingEvent & (SessionStarted | SessionUpdated | ChargingPeriodsAdded | SessionEnded)): void {
    const data = event.data;
    const rowKey = key(upper(data.country_code), upper(data.party_id), upper(data.session_id));
    let row = this.sessions.get(rowKey);
    if (event.type === 'SessionStarted') {
      const session = event.data.session;
      if (!session?.start_date_time || !session.location_id || !session.currency) return; // not a session this can price
      row = {
        country_code: upper(data.country_code),
        party_id: upper(data.party_id),
        session_key: upper(data.session_id),
        start_at: utc(session.start_date_time),
        location_key: upper(session.location_id),
        currency: upper(session.currency),
        end_at: session.end_date_time ? utc(session.end_date_time) : null,
        charging_periods: JSON.stringify(session.charging_periods ?? []),
        status: 'unpriced',
        reason: null,
        cost_excl_vat: null,
        cost_incl_vat: null,
        tariffs: [],
        engine_version: this.settings.engineVersion,
        position: String(event.position),
      };
    } else if (!row) {
      return; // updates only follow a SessionStarted
    } else if (event.type === 'ChargingPeriodsAdded') {
      row.charging_periods = JSON.stringify([...JSON.parse(String(row.charging_periods)), ...event.data.charging_periods]);
    } else if (event.type === 'SessionUpdated') {
      const changes = event.data.changes;
      if (Array.isArray(changes.charging_periods)) row.charging_periods = JSON.stringify(changes.charging_periods);
      if (typeof changes.end_date_time === 'string') row.end_at = utc(changes.end_date_time);
      if (typeof changes.currency === 'string') row.currency = upper(changes.currency);
      if (typeof changes.start_date_time === 'string') row.start_at = utc(changes.start_date_time);
      if (typeof changes.location_id === 'string') row.location_key = upper(changes.location_id);
    } else {
      if (event.data.end_date_time) row.end_at = utc(event.data.end_date_time);
    }
    this.sessions.set(rowKey, { ...row, ...this.priceSession(row), position: String(event.position) });
    this.dirtySessions.add(rowKey);
  }

  /** The cost so far of a session's charging periods, with the tariff versions in force at its start. */
  private priceSession(row: Row): Partial<Row> {
    const periods = JSON.parse(String(row.charging_periods)) as ChargingPeriod[];
    const unpriced = (reason: string, tariffs: string[] = []) => ({
      status: 'unpriced',
      reason,
      cost_excl_vat: null,
      cost_incl_vat: null,
      tariffs,
    });
    const ids = [
      ...new Map(periods.filter((p) => p.tariff_id).map((p) => [upper(p.tariff_id as string), p.tariff_id as string])).values(),
    ];
    if (periods.length === 0) return unpriced('no charging periods yet');
    if (ids.length === 0) return unpriced('no tariff: the charging periods name none');
    if (ids.length > 1 && periods.some((p) => !p.tariff_id))
      return unpriced(`several tariffs (${ids.join(', ')}) and a period that names none`);
    const start = String(row.start_at);
    const party = { country_code: String(row.country_code), party_id: String(row.party_id) };
    const chosen: TariffChoice[] = [];
    for (const id of ids) {
      const held = this.versionAt(party, id, start);
      if (!held) return unpriced(`tariff ${id} was not in force at ${start}`);
      chosen.push({ id, tariff: tariffOf(held), version: Number(held.version) });
    }
    const tariffs = chosen.map((t) => `${t.id}@v${t.version}`);
    const currency = String(row.currency);
    const foreign = chosen.find((t) => upper(t.tariff.currency) !== currency);
    if (foreign) return unpriced(`tariff ${foreign.id} is in ${foreign.tariff.currency}, the session in ${currency}`, tariffs);
    const zone = this.zones.get(key(party.country_code, party.party_id, String(row.location_key)))?.time_zone;
    try {
      const total = sumCosts(
        chosen.map(
          (t) =>
            price(t.tariff, periods, {
              startDateTime: start,
              ...(row.end_at ? { endDateTime: String(row.end_at) } : {}),
              timeZone: typeof zone === 'string' ? zone : 'UTC',
            }).total,
        ),
        currency,
      );
      return {
        status: 'priced',
        reason: typeof zone === 'string' ? null : 'location time zone unknown: restrictions read in UTC',
        cost_excl_vat: total.exclVat.rounded().toString(),
        cost_incl_vat: total.inclVat.rounded().toString(),
        tariffs,
      };
    } catch (error) {
      return unpriced(`not priced: ${(error as Error).message}`, tariffs);
    }
  }

  private publishTariff(event: PricingEvent, data: TariffPublished['data']): void {
    const country = upper(data.country_code);
    const party = upper(data.party_id);
    const tariffKey = upper(data.tariff_id);
    const listKey = key(country, party, tariffKey);
    const list = this.versions.get(listKey) ?? [];
    if (list.some((row) => Number(row.version) === data.version)) return; // a redelivered event
    const validFrom = utc(data.tariff.last_updated);
    const previous = list[list.length - 1];
    if (previous && previous.valid_to === null) this.markVersion(listKey, { ...previous, valid_to: validFrom }, list);
    const row: Row = {
      country_code: country,
      party_id: party,
      tariff_key: tariffKey,
      version: data.version,
      tariff: JSON.stringify(data.tariff),
      valid_from: validFrom,
      valid_to: null,
      position: String(event.position),
    };
    list.push(row);
    this.versions.set(listKey, list);
    this.dirtyVersions.set(key(listKey, String(data.version)), row);
  }

  /** CDRs that waited for this tariff are priced now (still unpriced when it was not in force at their start). */
  private repriceAwaiting(event: PricingEvent, data: TariffPublished['data']): void {
    const tariffKey = upper(data.tariff_id);
    for (let i = this.awaiting.length - 1; i >= 0; i--) {
      const cdr = this.awaiting[i];
      if (upper(cdr.country_code) !== upper(data.country_code) || upper(cdr.party_id) !== upper(data.party_id)) continue;
      if (!tariffIdsOf(cdr).some((id) => upper(id) === tariffKey)) continue;
      const row = this.priceCdr(event, cdr);
      this.cdrRows.push(row);
      if (row.awaiting_tariff_key !== tariffKey) this.awaiting.splice(i, 1);
    }
  }

  private removeTariff(event: PricingEvent, data: TariffRemoved['data']): void {
    const listKey = key(upper(data.country_code), upper(data.party_id), upper(data.tariff_id));
    const list = this.versions.get(listKey) ?? [];
    const latest = list[list.length - 1];
    if (latest && latest.valid_to === null) {
      this.markVersion(listKey, { ...latest, valid_to: utc(data.removed_at), position: String(event.position) }, list);
    }
  }

  private markVersion(listKey: string, row: Row, list: Row[]): void {
    const index = list.findIndex((held) => held.version === row.version);
    list[index] = row;
    this.dirtyVersions.set(key(listKey, String(row.version)), row);
  }

  private setZone(
    event: PricingEvent,
    data: { country_code: string; party_id: string; location_id: string },
    timeZone: string | null,
  ): void {
    const row: Row = {
      country_code: upper(data.country_code),
      party_id: upper(data.party_id),
      location_key: upper(data.location_id),
      time_zone: timeZone ?? null,
      position: String(event.position),
    };
    const rowKey = key(row.country_code as string, row.party_id as string, row.location_key as string);
    this.zones.set(rowKey, row);
    this.dirtyZones.add(rowKey);
  }

  /** The version of a tariff in force at `at` (ISO UTC), from the Tariffs module's history. */
  private versionAt(party: { country_code: string; party_id: string }, tariffId: string, at: string): Row | undefined {
    const list = this.versions.get(key(upper(party.country_code), upper(party.party_id), upper(tariffId))) ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      const row = list[i];
      if (String(row.valid_from) <= at && (row.valid_to === null || at < String(row.valid_to))) return row;
    }
    return undefined;
  }

  private priceCdr(event: PricingEvent, cdr: CDR): Row {
    const currency = upper(cdr.currency);
    const stated = {
      excl: Money.of(cdr.total_cost.excl_vat, currency).rounded(),
      incl:
        cdr.total_cost.incl_vat !== undefined && cdr.total_cost.incl_vat !== null
          ? Money.of(cdr.total_cost.incl_vat, currency).rounded()
          : undefined,
    };
    const base: Row = {
      country_code: upper(cdr.country_code),
      party_id: upper(cdr.party_id),
      cdr_key: upper(cdr.id),
      cdr_id: cdr.id,
      status: 'unpriced',
      reason: null,
      finding: null,
      currency,
      stated_excl_vat: stated.excl.toString(),
      stated_incl_vat: stated.incl ? stated.incl.toString() : null,
      priced_excl_vat: null,
      priced_incl_vat: null,
      difference_excl_vat: null,
      difference_incl_vat: null,
      tariffs: [],
      time_zone: null,
      breakdown: null,
      awaiting_tariff_key: null,
      cdr: null,
      engine_version: this.settings.engineVersion,
      position: String(event.position),
    };
    if (cdr.credit) return { ...base, reason: 'credit CDR: it restates its original with the total negated' };

    const zoneRow = this.zones.get(key(upper(cdr.country_code), upper(cdr.party_id), upper(cdr.cdr_location.id)));
    const zoneKnown = typeof zoneRow?.time_zone === 'string';
    const timeZone = zoneKnown ? String(zoneRow?.time_zone) : 'UTC';

    const choice = this.tariffsOf(cdr);
    if ('reason' in choice) {
      return choice.missing
        ? { ...base, reason: choice.reason, awaiting_tariff_key: upper(choice.missing), cdr: JSON.stringify(cdr) }
        : { ...base, reason: choice.reason };
    }
    const tariffs = choice.tariffs.map((t) => (t.version === null ? `${t.id}@cdr` : `${t.id}@v${t.version}`));
    const foreign = choice.tariffs.find((t) => upper(t.tariff.currency) !== currency);
    if (foreign)
      return { ...base, tariffs, reason: `tariff ${foreign.id} is in ${foreign.tariff.currency}, the CDR in ${currency}` };

    let results: PricingResult[];
    try {
      results = choice.tariffs.map((t) =>
        price(t.tariff, cdr.charging_periods, {
          startDateTime: cdr.start_date_time,
          endDateTime: cdr.end_date_time,
          timeZone,
          totals: { energy: cdr.total_energy, time: cdr.total_time, parkingTime: cdr.total_parking_time },
        }),
      );
    } catch (error) {
      return { ...base, tariffs, reason: `not priced: ${(error as Error).message}` };
    }
    const total = sumCosts(
      results.map((r) => r.total),
      currency,
    );
    const notes = results.flatMap((r) => r.notes);
    // 2.3.0 tariffs say whether their prices include taxes instead of naming a VAT rate: with taxes
    // added on top (NO) the engine cannot know them, with taxes included (YES) it cannot take them out.
    const taxIncluded = new Set(choice.tariffs.map((t) => (t.tariff as { tax_included?: unknown }).tax_included));
    const taxesOnTop = taxIncluded.has('NO');
    const pricesWithTaxes = !taxesOnTop && taxIncluded.size === 1 && taxIncluded.has('YES');
    if (taxesOnTop)
      notes.push('the tariff adds taxes on top of its prices (tax_included NO): only the amount before taxes is checked');
    if (pricesWithTaxes) notes.push('the tariff prices include taxes (tax_included YES): only the amount with taxes is checked');
    const priced = {
      excl: pricesWithTaxes ? undefined : total.exclVat.rounded(),
      incl: taxesOnTop ? undefined : pricesWithTaxes ? total.exclVat.rounded() : total.inclVat.rounded(),
    };
    const differenceExcl = priced.excl ? stated.excl.minus(priced.excl) : undefined;
    const differenceIncl = stated.incl && priced.incl ? stated.incl.minus(priced.incl) : undefined;
    const tolerance = new OcpiDecimal(this.settings.toleranceMinorUnits).times(new OcpiDecimal(10).pow(-minorUnits(currency)));
    const beyond = (difference: Money | undefined) => difference?.amount.abs().gt(tolerance) === true;
    if (!zoneKnown) notes.push(`the time zone of location ${cdr.cdr_location.id} is unknown: restrictions read in UTC`);
    return {
      ...base,
      status: 'priced',
      finding: beyond(differenceExcl) || beyond(differenceIncl) ? CDR_COST_MISMATCH : null,
      priced_excl_vat: priced.excl ? priced.excl.toString() : null,
      priced_incl_vat: priced.incl ? priced.incl.toString() : null,
      difference_excl_vat: differenceExcl ? differenceExcl.toString() : null,
      difference_incl_vat: differenceIncl ? differenceIncl.toString() : null,
      tariffs,
      time_zone: zoneKnown ? timeZone : null,
      breakdown: JSON.stringify(breakdownOf(choice.tariffs, results, currency, notes)),
    };
  }

  /**
   * The tariffs a CDR is priced with: those its periods name (tariff_id) or, without any, the one
   * it embeds; each the version in force at the session's start in the Tariffs module's history,
   * else the copy the CPO embedded in the CDR.
   */
  private tariffsOf(cdr: CDR): { tariffs: TariffChoice[] } | { reason: string; missing?: string } {
    const ids = tariffIdsOf(cdr);
    if (ids.length === 0) return { reason: 'no tariff: neither the charging periods nor the CDR name one' };
    if (ids.length > 1 && cdr.charging_periods.some((period) => !period.tariff_id)) {
      return { reason: `several tariffs (${ids.join(', ')}) and a charging period that names none` };
    }
    const start = utc(cdr.start_date_time);
    const tariffs: TariffChoice[] = [];
    for (const id of ids) {
      const held = this.versionAt(cdr, id, start);
      if (held) {
        tariffs.push({ id, tariff: tariffOf(held), version: Number(held.version) });
        continue;
      }
      const embedded = (cdr.tariffs ?? []).find((tariff) => upper(tariff.id) === upper(id));
      if (!embedded) {
        return { reason: `tariff ${id} was not in force at ${cdr.start_date_time} and the CDR does not embed it`, missing: id };
      }
      tariffs.push({ id, tariff: embedded, version: null });
    }
    return { tariffs };
  }

  private async store(): Promise<void> {
    const params = new SqlParams();
    await writeAll(this.context.db, params, [
      upsertSql(PRICING_TARIFFS, this.tariffTable, params, [...this.dirtyVersions.values()]),
      upsertSql(
        PRICING_LOCATIONS,
        this.locationTable,
        params,
        [...this.dirtyZones].map((rowKey) => this.zones.get(rowKey) as Row),
      ),
      upsertSql(CDR_PRICING, this.cdrTable, params, dedupeLast(this.cdrRows)),
      upsertSql(
        SESSION_PRICING,
        this.sessionTable,
        params,
        [...this.dirtySessions].map((rowKey) => this.sessions.get(rowKey) as Row),
      ),
    ]);
  }
}

/** Distinct tariff ids of a CDR, by case-insensitive id: those its periods name, else those it embeds. */
function tariffIdsOf(cdr: CDR): string[] {
  const ids = new Map<string, string>();
  for (const period of cdr.charging_periods) if (period.tariff_id) ids.set(upper(period.tariff_id), period.tariff_id);
  if (ids.size === 0) for (const tariff of cdr.tariffs ?? []) ids.set(upper(tariff.id), tariff.id);
  return [...ids.values()];
}

/** One row per key, the last one written (an INSERT may not name a row twice). */
function dedupeLast(rows: Row[]): Row[] {
  const byKey = new Map<string, Row>();
  for (const row of rows) byKey.set(key(String(row.country_code), String(row.party_id), String(row.cdr_key)), row);
  return [...byKey.values()];
}

function sumCosts(costs: Cost[], currency: string): Cost {
  return costs.reduce((sum, cost) => ({ exclVat: sum.exclVat.plus(cost.exclVat), inclVat: sum.inclVat.plus(cost.inclVat) }), {
    exclVat: Money.zero(currency),
    inclVat: Money.zero(currency),
  });
}

const priceText = (cost: Cost) => ({ excl_vat: cost.exclVat.rounded().toString(), incl_vat: cost.inclVat.rounded().toString() });

/** The explanation finance and a CPO can follow line by line (amounts as decimal text). */
export function breakdownOf(
  tariffs: ReadonlyArray<{ id: string; version: number | null }>,
  results: readonly PricingResult[],
  currency: string,
  notes: string[],
) {
  const costs = Object.fromEntries(
    COST_DIMENSIONS.map((dimension: CostDimension) => [
      dimension,
      priceText(
        sumCosts(
          results.map((r) => r.costs[dimension]),
          currency,
        ),
      ),
    ]),
  );
  return {
    tariffs: tariffs.map((t) => ({ id: t.id, version: t.version, source: t.version === null ? 'cdr' : 'tariffs' })),
    costs,
    subtotal: priceText(
      sumCosts(
        results.map((r) => r.subtotal),
        currency,
      ),
    ),
    total: priceText(
      sumCosts(
        results.map((r) => r.total),
        currency,
      ),
    ),
    limits: results.map((r) => r.limits),
    periods: results.flatMap((result, t) =>
      result.periods
        .filter((period) => period.priced)
        .map((period) => ({
          tariff_id: tariffs[t].id,
          index: period.index,
          start_date_time: period.startDateTime,
          lines: period.lines.map((line) => ({
            dimension: line.dimension,
            element: line.elementIndex,
            component: line.componentIndex,
            price: String(line.component.price),
            step_size: line.component.step_size,
            vat: line.component.vat ?? null,
            quantity: line.quantity.toString(),
            billed_quantity: line.billedQuantity.toString(),
            cost: priceText(line.cost),
          })),
          unpriced: period.unpriced.map((u) => ({ dimension: u.dimension, volume: u.volume.toString() })),
        })),
    ),
    notes,
  };
}
