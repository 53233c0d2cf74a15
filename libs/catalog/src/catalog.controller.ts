import { BadRequestException, Controller, Get, Headers, NotFoundException, Param, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  type ApiQueryOptions,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { EVSE, Location } from '@roamledger/ocpi';
import { ConnectorType, parseOcpiDateTime, Status } from '@roamledger/ocpi/values';
import type { Row } from '@roamledger/projections';
import { ApiDocument, type ApiDocumentSpec } from '@roamledger/service';
import type { FastifyReply } from 'fastify';
import {
  CatalogError,
  CatalogLocationDetail,
  CatalogLocationPage,
  CatalogStatusHistory,
  CatalogTariffAt,
  CatalogTariffHistory,
} from './catalog.dto';
import { CatalogKeyGuard } from './catalog-api-key';
import { CatalogReadModel, type LocationFilter, type PageKey } from './catalog-read-model';

type QueryParams = Record<string, string | undefined>;

export const CATALOG_ROUTE = 'catalog';
const GEOJSON = 'application/geo+json';

export const CATALOG_API: ApiDocumentSpec = {
  name: 'catalog',
  path: 'catalog/docs',
  title: 'Roamledger catalog API',
  description: [
    "Every CPO's charging locations and tariffs as the log holds them (the catalog projection), for our own apps.",
    'Locations are OCPI 2.2.1 Location objects (EVSEs and connectors included), or GeoJSON with `Accept: application/geo+json`.',
    'Tariffs answer the version in force at any instant; EVSE status history says when each status began.',
    'Every answer carries `position`: the log position it was read at.',
  ].join(' '),
  keyDescription: 'CATALOG_API_KEY (generated into DATA_DIR/catalog-api-key at first start when unset).',
};

const queryParam = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) =>
  ApiQuery({ name, description, schema, required: false } as ApiQueryOptions);

/** The catalog API: locations, tariffs and EVSE status history, read-only, behind CATALOG_API_KEY. */
@Controller(CATALOG_ROUTE)
@UseGuards(CatalogKeyGuard)
@ApiDocument(CATALOG_API)
@ApiBadRequestResponse({ description: 'A query parameter is malformed.', type: CatalogError })
@ApiUnauthorizedResponse({ description: 'No or a wrong `Authorization: Bearer <CATALOG_API_KEY>`.', type: CatalogError })
export class CatalogController {
  constructor(private readonly model: CatalogReadModel) {}

  @Get('locations')
  @ApiOperation({
    summary: 'Locations (with EVSEs and connectors), filtered and paged; GeoJSON with Accept: application/geo+json',
  })
  @queryParam('partner', 'The CPO, `COUNTRY*PARTY` (e.g. `BE*BEC`).', {
    type: 'string',
    pattern: '^[A-Za-z]{2}\\*[A-Za-z0-9]{3}$',
  })
  @queryParam('country', 'ISO 3166-1 alpha-3 country of the location (e.g. `BEL`).')
  @queryParam('city', 'City (case-insensitive).')
  @queryParam('bbox', 'Bounding box `min_lon,min_lat,max_lon,max_lat` (decimal degrees).')
  @queryParam('near', 'A point `lat,lon`; with `radius` (metres, default 1000).')
  @queryParam('radius', 'Metres around `near`.', { type: 'number', minimum: 0 })
  @queryParam('evse_status', 'Only locations with an EVSE in this status.', { type: 'string', enum: Object.values(Status) })
  @queryParam('connector_standard', 'Only locations with an EVSE with a connector of this standard.', {
    type: 'string',
    enum: Object.values(ConnectorType),
  })
  @queryParam('min_power_kw', 'Only locations with an EVSE delivering at least this power (kW).', { type: 'number', minimum: 0 })
  @queryParam('cursor', 'The `next_cursor` of the previous page.')
  @queryParam('limit', 'Page size (default 100).', { type: 'integer', minimum: 1, maximum: 1000 })
  @ApiProduces('application/json', GEOJSON)
  @ApiOkResponse({ type: CatalogLocationPage, description: 'A page of locations (or a GeoJSON FeatureCollection)' })
  async locations(
    @Query() query: QueryParams,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { result, position } = await this.model.locationPage(filterOf(query), cursorOf(query.cursor), limitOf(query.limit));
    const nextCursor = result.next ? Buffer.from(JSON.stringify(result.next)).toString('base64url') : null;
    if (accept?.includes(GEOJSON)) {
      reply.header('content-type', GEOJSON);
      return JSON.stringify({
        type: 'FeatureCollection',
        features: result.locations.map(feature),
        next_cursor: nextCursor,
        position,
      });
    }
    return { items: result.locations, next_cursor: nextCursor, position };
  }

  @Get('locations/:country_code/:party_id/:location_id')
  @ApiOperation({ summary: 'One location with its EVSEs and connectors' })
  @ApiOkResponse({ type: CatalogLocationDetail, description: 'The location' })
  @ApiNotFoundResponse({ type: CatalogError, description: 'Not in the catalog' })
  async location(
    @Param('country_code') countryCode: string,
    @Param('party_id') partyId: string,
    @Param('location_id') id: string,
  ) {
    const { result, position } = await this.model.location(countryCode, partyId, id);
    if (!result) throw new NotFoundException(`No location ${countryCode}*${partyId} ${id} in the catalog`);
    return { location: result, position };
  }

  @Get('tariffs/:country_code/:party_id/:tariff_id')
  @ApiOperation({ summary: 'The tariff version in force at `at`; without `at`, every version with its validity interval' })
  @queryParam('at', 'An instant (RFC 3339 date-time): the version in force then.', { type: 'string', format: 'date-time' })
  @ApiOkResponse({ type: CatalogTariffAt, description: 'The version in force at `at` (CatalogTariffHistory without `at`)' })
  @ApiNotFoundResponse({ type: CatalogError, description: 'No such tariff, or none in force at `at`' })
  async tariff(
    @Param('country_code') countryCode: string,
    @Param('party_id') partyId: string,
    @Param('tariff_id') id: string,
    @Query('at') at: string | undefined,
  ): Promise<CatalogTariffAt | CatalogTariffHistory> {
    const instant = at === undefined ? undefined : dateOf('at', at);
    const { result, position } = await this.model.tariffVersions(countryCode, partyId, id);
    if (result.length === 0) throw new NotFoundException(`No tariff ${countryCode}*${partyId} ${id} in the catalog`);
    const versions = result.map(versionItem);
    if (!instant) return { versions, position };
    const millis = instant.getTime();
    const found = versions.find(
      (v) => Date.parse(v.valid_from) <= millis && (v.valid_to === null || millis < Date.parse(v.valid_to)),
    );
    const tariff = found?.tariff as { start_date_time?: string; end_date_time?: string } | undefined;
    // The tariff's own start/end_date_time narrow when its version applies.
    const inForce =
      tariff &&
      (!tariff.start_date_time || Date.parse(tariff.start_date_time) <= millis) &&
      (!tariff.end_date_time || millis < Date.parse(tariff.end_date_time));
    if (!found || !inForce)
      throw new NotFoundException(
        `No version of tariff ${countryCode}*${partyId} ${id} was in force at ${instant.toISOString()}`,
      );
    return { ...found, at: instant.toISOString(), position };
  }

  @Get('evses/:country_code/:party_id/:location_id/:evse_uid/status-history')
  @ApiOperation({ summary: 'The status changes of an EVSE in [from, to), by the time the CPO says they happened' })
  @queryParam('from', 'Inclusive (RFC 3339 date-time).', { type: 'string', format: 'date-time' })
  @queryParam('to', 'Exclusive (RFC 3339 date-time).', { type: 'string', format: 'date-time' })
  @ApiOkResponse({ type: CatalogStatusHistory, description: 'The status history' })
  @ApiNotFoundResponse({ type: CatalogError, description: 'No such EVSE in the catalog' })
  async statusHistory(
    @Param('country_code') countryCode: string,
    @Param('party_id') partyId: string,
    @Param('location_id') locationId: string,
    @Param('evse_uid') evseUid: string,
    @Query() query: QueryParams,
  ): Promise<CatalogStatusHistory> {
    const from = query.from ? dateOf('from', query.from) : undefined;
    const to = query.to ? dateOf('to', query.to) : undefined;
    const { result, position } = await this.model.statusHistory(countryCode, partyId, locationId, evseUid, from, to);
    if (!result) throw new NotFoundException(`No EVSE ${countryCode}*${partyId} ${locationId}/${evseUid} in the catalog`);
    return {
      status_at_from: result.statusAtFrom as string | null,
      changes: result.changes.map((row) => ({
        status: row.status as string,
        from_status: row.from_status as string | null,
        changed_at: row.changed_at as string,
        recorded_at: row.recorded_at as string,
        position: Number(row.position),
      })),
      position,
    };
  }
}

function versionItem(row: Row) {
  return {
    version: Number(row.version),
    valid_from: row.valid_from as string,
    valid_to: row.valid_to as string | null,
    removed_at: row.removed_at as string | null,
    tariff: JSON.parse(row.tariff as string) as object,
  };
}

/** A location as a GeoJSON Feature (RFC 7946: coordinates are [longitude, latitude]). */
function feature(location: Location) {
  const evses = (location.evses ?? []) as EVSE[];
  return {
    type: 'Feature',
    id: `${location.country_code}*${location.party_id}*${location.id}`,
    geometry: { type: 'Point', coordinates: [Number(location.coordinates.longitude), Number(location.coordinates.latitude)] },
    properties: {
      country_code: location.country_code,
      party_id: location.party_id,
      id: location.id,
      name: location.name ?? null,
      address: location.address,
      city: location.city,
      country: location.country,
      time_zone: location.time_zone,
      last_updated: location.last_updated,
      evses: evses.map((evse) => ({
        uid: evse.uid,
        evse_id: evse.evse_id ?? null,
        status: evse.status,
        connectors: evse.connectors.map((c) => ({
          id: c.id,
          standard: c.standard,
          power_type: c.power_type,
          max_electric_power: c.max_electric_power ?? null,
          tariff_ids: c.tariff_ids ?? [],
        })),
      })),
    },
  };
}

function numbers(name: string, text: string, count: number): number[] {
  const values = text.split(',').map((part) => Number(part.trim()));
  if (values.length !== count || values.some((value) => !Number.isFinite(value))) {
    throw new BadRequestException(`${name} must be ${count} comma-separated numbers, got "${text}"`);
  }
  return values;
}

function filterOf(query: QueryParams): LocationFilter {
  const filter: LocationFilter = {};
  if (query.partner) {
    const match = /^([A-Za-z]{2})\*([A-Za-z0-9]{3})$/.exec(query.partner);
    if (!match) throw new BadRequestException(`partner must look like BE*BEC (country code * party id), got "${query.partner}"`);
    filter.country_code = match[1];
    filter.party_id = match[2];
  }
  if (query.country) filter.country = query.country;
  if (query.city) filter.city = query.city;
  if (query.bbox) {
    const [minLon, minLat, maxLon, maxLat] = numbers('bbox', query.bbox, 4);
    filter.bbox = { minLon, minLat, maxLon, maxLat };
  }
  if (query.near) {
    const [lat, lon] = numbers('near', query.near, 2);
    const radiusM = query.radius === undefined ? 1000 : numbers('radius', query.radius, 1)[0];
    filter.near = { lat, lon, radiusM };
  } else if (query.radius !== undefined) throw new BadRequestException('radius goes with near=lat,lon');
  if (query.evse_status) {
    if (!(Object.values(Status) as string[]).includes(query.evse_status)) {
      throw new BadRequestException(`evse_status must be one of ${Object.values(Status).join(', ')}`);
    }
    filter.evseStatus = query.evse_status;
  }
  if (query.connector_standard) {
    if (!(Object.values(ConnectorType) as string[]).includes(query.connector_standard)) {
      throw new BadRequestException(`connector_standard must be an OCPI ConnectorType, got "${query.connector_standard}"`);
    }
    filter.connectorStandard = query.connector_standard;
  }
  if (query.min_power_kw !== undefined) filter.minPowerW = numbers('min_power_kw', query.min_power_kw, 1)[0] * 1000;
  return filter;
}

function dateOf(name: string, text: string): Date {
  try {
    return parseOcpiDateTime(text);
  } catch {
    throw new BadRequestException(`${name} must be a date-time like 2026-11-03T09:30:00Z, got "${text}"`);
  }
}

function limitOf(limit: string | undefined): number {
  if (limit === undefined) return 100;
  const value = Number(limit);
  if (!Number.isInteger(value) || value < 1 || value > 1000)
    throw new BadRequestException('limit must be an integer from 1 to 1000');
  return value;
}

function cursorOf(cursor: string | undefined): PageKey | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === 3 && key.every((part) => typeof part === 'string')) return key;
  } catch {
    // falls through
  }
  throw new BadRequestException('cursor is not one this API gave out (next_cursor)');
}
