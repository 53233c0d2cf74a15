import { BadRequestException, Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiOkResponse, ApiOperation, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { CDR, ChargingPeriod, isOcpiDateTime, type Price, Tariff, validateOcpi, validateOcpiList } from '@roamledger/ocpi';
import { type Cost, cdrCostsOf, type PricedPeriod, type PricingContext, type PricingResult, price } from '@roamledger/pricing';
import { ApiDocument } from '@roamledger/service';
import { FINANCE_API } from './finance.controller';
import { FinanceError, FinancePriceAnswer, FinancePriceRequest } from './finance.dto';
import { FinanceKeyGuard } from './finance-api-key';

const UNITS = { ENERGY: 'Wh', TIME: 's', PARKING_TIME: 's', RESERVATION: 's', FLAT: 'flat' } as const;

/**
 * `POST /finance/price`: what a tariff makes of a CDR or of charging periods, line by line, for
 * support staff answering a driver's (or a CPO's) question. Pure: nothing is recorded.
 */
@Controller('finance')
@UseGuards(FinanceKeyGuard)
@ApiDocument(FINANCE_API)
@ApiUnauthorizedResponse({ description: 'No or a wrong `Authorization: Bearer <FINANCE_API_KEY>`.', type: FinanceError })
export class PriceController {
  @Post('price')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Price a CDR, or charging periods, with a tariff (the engine of the CDR cost check)',
    description:
      'Body `{ "tariff": Tariff, "cdr": CDR }` or `{ "tariff": Tariff, "charging_periods": [ChargingPeriod], "start_date_time": DateTime, "time_zone": IANA zone }` (OCPI 2.2.1 objects). ' +
      '`time_zone` is the location time zone restrictions are read in; with a CDR it is optional (UTC, said in `notes`). ' +
      'Prices are OCPI Price objects (JSON numbers, rounded to the minor unit of the tariff currency); each period lists the tariff element and price component that priced each dimension.',
  })
  @ApiBody({ type: FinancePriceRequest })
  @ApiOkResponse({ type: FinancePriceAnswer, description: 'The price' })
  @ApiBadRequestResponse({
    description: 'The body is not one of the two forms, or an object in it is invalid.',
    type: FinanceError,
  })
  price(@Body() body: unknown) {
    const { tariff, periods, context } = pricingRequestOf(body);
    let result: PricingResult;
    try {
      result = price(tariff, periods, context);
    } catch (error) {
      throw new BadRequestException(`cannot price: ${(error as Error).message}`);
    }
    return priceAnswer(result, context.timeZone === 'UTC' && !hasZone(body) ? ['time_zone not given: read in UTC'] : []);
  }
}

function hasZone(body: unknown): boolean {
  return typeof (body as { time_zone?: unknown }).time_zone === 'string';
}

function fail(errors: string[]): never {
  throw new BadRequestException(errors);
}

/** One of the two body forms, validated as OCPI objects; every problem reported at once. */
export function pricingRequestOf(body: unknown): {
  tariff: Tariff;
  periods: ChargingPeriod[];
  context: PricingContext;
} {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail(['the body must be a JSON object']);
  const input = body as Record<string, unknown>;
  const errors: string[] = [];
  const tariff = validateOcpi(Tariff, input.tariff);
  if (input.tariff === undefined) errors.push('tariff is required');
  else if (!tariff.ok) errors.push(...tariff.errors.map((error) => `tariff: ${error}`));

  const timeZone = input.time_zone === undefined ? undefined : input.time_zone;
  if (timeZone !== undefined && (typeof timeZone !== 'string' || !isTimeZone(timeZone))) {
    errors.push(`time_zone must be an IANA time zone such as Europe/Amsterdam, got ${JSON.stringify(timeZone)}`);
  }
  const hasCdr = input.cdr !== undefined;
  const hasPeriods = input.charging_periods !== undefined;
  if (hasCdr === hasPeriods) {
    errors.push('give either cdr, or charging_periods with start_date_time and time_zone');
    fail(errors);
  }
  if (hasCdr) {
    const cdr = validateOcpi(CDR, input.cdr);
    if (!cdr.ok) errors.push(...cdr.errors.map((error) => `cdr: ${error}`));
    if (errors.length || !cdr.ok || !tariff.ok) fail(errors);
    const value = cdr.value;
    return {
      tariff: tariff.value,
      periods: value.charging_periods,
      context: {
        startDateTime: value.start_date_time,
        endDateTime: value.end_date_time,
        timeZone: (timeZone as string | undefined) ?? 'UTC',
        totals: { energy: value.total_energy, time: value.total_time, parkingTime: value.total_parking_time },
      },
    };
  }
  const periods = validateOcpiList(ChargingPeriod, input.charging_periods);
  if (!periods.ok) errors.push(...periods.errors.map((error) => `charging_periods${error.startsWith('[') ? '' : ': '}${error}`));
  else if (periods.value.length === 0) errors.push('charging_periods must hold at least one period');
  if (typeof input.start_date_time !== 'string' || !isOcpiDateTime(input.start_date_time)) {
    errors.push('start_date_time must be an OCPI DateTime (e.g. 2026-11-03T09:30:00Z)');
  }
  if (timeZone === undefined) errors.push('time_zone is required with charging_periods (the location time zone)');
  if (input.end_date_time !== undefined && (typeof input.end_date_time !== 'string' || !isOcpiDateTime(input.end_date_time))) {
    errors.push('end_date_time, when given, must be an OCPI DateTime');
  }
  if (errors.length || !periods.ok || !tariff.ok) fail(errors);
  return {
    tariff: tariff.value,
    periods: periods.value,
    context: {
      startDateTime: input.start_date_time as string,
      ...(typeof input.end_date_time === 'string' ? { endDateTime: input.end_date_time } : {}),
      timeZone: timeZone as string,
    },
  };
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const priceOf = (cost: Cost): Price => ({
  excl_vat: cost.exclVat.rounded().toOcpiNumber(),
  incl_vat: cost.inclVat.rounded().toOcpiNumber(),
});

/** The answer: the shape (Price objects), plus reservation cost when there is one and the engine's notes. */
export function priceAnswer(result: PricingResult, extraNotes: string[] = []) {
  const costs = cdrCostsOf(result);
  const reserved = !result.costs.RESERVATION.exclVat.amount.isZero() || !result.costs.RESERVATION.inclVat.amount.isZero();
  return {
    total_cost: costs.total_cost,
    total_energy_cost: costs.total_energy_cost,
    total_time_cost: costs.total_time_cost,
    total_parking_cost: costs.total_parking_cost,
    total_fixed_cost: costs.total_fixed_cost,
    ...(reserved ? { total_reservation_cost: costs.total_reservation_cost } : {}),
    periods: result.periods.map(periodAnswer),
    notes: [...result.notes, ...extraNotes],
  };
}

function periodAnswer(period: PricedPeriod) {
  return {
    index: period.index,
    start_date_time: period.startDateTime,
    priced: period.priced,
    lines: period.lines.map((line) => ({
      dimension: line.dimension,
      tariff_element: line.elementIndex,
      price_component: line.componentIndex,
      component: line.component,
      quantity: line.quantity.toString(),
      billed_quantity: line.billedQuantity.toString(),
      unit: UNITS[line.dimension],
      cost: priceOf(line.cost),
    })),
    unpriced: period.unpriced.map((volume) => ({ dimension: volume.dimension, volume: volume.volume.toString() })),
  };
}
