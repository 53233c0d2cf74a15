import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import type { CdrItem, sessionItem, statementItem } from './finance-items';

/** What the finance API answers, as its OpenAPI document shows it (generated from these classes). */

const DECIMAL = {
  type: 'string',
  pattern: '^-?\\d+(\\.\\d+)?$',
  description: 'A decimal number as a string, dot as separator (never a JSON number).',
  example: '12.34',
} as const;
const TIME = { type: 'string', format: 'date-time', description: 'ISO 8601, UTC (e.g. 2026-11-03T09:15:00.000Z)' } as const;
const POSITION = { type: 'integer', description: 'Global log position.' } as const;

const text = (options: ApiPropertyOptions = {}) => ApiProperty({ type: 'string', ...options } as ApiPropertyOptions);
const nullableText = (description?: string) => ApiProperty({ type: 'string', nullable: true, description });
const decimal = (description?: string, nullable = false) =>
  ApiProperty({ ...DECIMAL, ...(description ? { description: `${description} ${DECIMAL.description}` } : {}), nullable });
const time = (nullable = false) => ApiProperty({ ...TIME, nullable });
const position = (description?: string) => ApiProperty({ ...POSITION, ...(description ? { description } : {}) });
const texts = (description?: string) => ApiProperty({ type: 'string', isArray: true, description });

export class FinanceAmounts {
  @decimal() excl_vat: string;
  @decimal(undefined, true) incl_vat: string | null;
}

/** A CDR ledger row; the same fields, in the same order, are the columns of the CSV export. */
export class FinanceCdr implements CdrItem {
  @text({ description: '`country_code*party_id` of the CPO.' }) partner: string;
  @text() country_code: string;
  @text() party_id: string;
  @text() cdr_id: string;
  @ApiProperty() credit: boolean;
  @nullableText() credit_reference_id: string | null;
  @texts('Ids of the credit CDRs that credit this CDR.') credited_by: string[];
  @nullableText() session_id: string | null;
  @text() token_uid: string;
  @text() token_type: string;
  @text() contract_id: string;
  @text({ description: 'Our eMSP party the CDR bills: its token issuer, `COUNTRY*PARTY`.' }) emsp_party: string;
  @text() auth_method: string;
  @nullableText() authorization_reference: string | null;
  @text() location_id: string;
  @text() evse_uid: string;
  @text() evse_id: string;
  @text() connector_id: string;
  @time() start_date_time: string;
  @time() end_date_time: string;
  @text({ description: 'YYYY-MM of end_date_time in the billing time zone.' }) statement_month: string;
  @decimal() energy_kwh: string;
  @decimal() time_hours: string;
  @decimal(undefined, true) parking_hours: string | null;
  @text() currency: string;
  @decimal('total_cost.excl_vat, rounded to the minor unit (half away from zero).') amount_excl_vat: string;
  @decimal(undefined, true) amount_incl_vat: string | null;
  @texts() tariff_ids: string[];
  @nullableText() invoice_reference_id: string | null;
  @time() last_updated: string;
  @texts(
    'Current findings: cdr_without_session, credit_without_original, credited_more_than_once, cdr_cost_mismatch (CdrCostMismatch: total_cost differs from the price of its tariff by more than PRICING_TOLERANCE minor units), and the authorization findings token_blocked_at_start (its token was blocked or expired when it reached the log) and unknown_authorization_reference (an authorization_reference we never issued).',
  )
  findings: string[];
  @texts('Finding codes the CDRs module recorded on receipt (see libs/cdrs cdr.events.ts).') receipt_findings: string[];
  @ApiProperty({
    type: 'string',
    enum: ['priced', 'unpriced'],
    nullable: true,
    description:
      'The cost check: priced from its tariff, or unpriced (the CDR detail says why); null until the pricing projection reached it.',
  })
  pricing_status: string | null;
  @decimal('Our price of the CDR from the tariff versions in force at its start, excl. VAT.', true)
  priced_excl_vat: string | null;
  @decimal('Our price incl. VAT.', true) priced_incl_vat: string | null;
  @decimal('amount_excl_vat - priced_excl_vat: positive when the CPO bills more than its tariff gives.', true)
  cost_difference_excl_vat: string | null;
  @decimal('amount_incl_vat - priced_incl_vat.', true) cost_difference_incl_vat: string | null;
  @texts('The tariff versions priced with: `id@v<n>` (Tariffs module history) or `id@cdr` (embedded in the CDR).')
  priced_with: string[];
  @text({ description: 'The event stream of this CDR in the log.' }) stream: string;
  @position() received_position: number;
  @time() recorded_at: string;
  @position('Position of the last event that changed this row.') position: number;
}

export class FinanceSession implements Record<keyof ReturnType<typeof sessionItem>, unknown> {
  @text() partner: string;
  @text() country_code: string;
  @text() party_id: string;
  @text() session_id: string;
  @text({ enum: ['PENDING', 'RESERVATION', 'ACTIVE', 'COMPLETED', 'INVALID'] }) status: string;
  @time() start_date_time: string;
  @time(true) end_date_time: string | null;
  @decimal() energy_kwh: string;
  @text() currency: string;
  @decimal(undefined, true) cost_excl_vat: string | null;
  @decimal(undefined, true) cost_incl_vat: string | null;
  @text() token_uid: string;
  @text() token_type: string;
  @text() contract_id: string;
  @text() auth_method: string;
  @nullableText() authorization_reference: string | null;
  @text() location_id: string;
  @text() evse_uid: string;
  @text() connector_id: string;
  @time() last_updated: string;
  @texts() cdr_ids: string[];
  @ApiProperty({
    type: () => FinanceAmounts,
    nullable: true,
    description:
      'What the charging periods received so far cost under the tariff versions in force at the session start (the tariff_id its periods name); null when they cannot be priced (cost_so_far_note says why).',
  })
  cost_so_far: FinanceAmounts | null;
  @texts('The tariff versions priced with, `id@v<n>`.') cost_so_far_tariffs: string[];
  @nullableText('Why there is no cost so far, or what makes it doubtful.') cost_so_far_note: string | null;
  @ApiProperty({ description: 'COMPLETED, no CDR, ended more than BILLING_CDR_DUE_HOURS before as_of.' })
  cdr_overdue: boolean;
  @texts(
    'status_transition_flagged; the plausibility findings CDRs have (negative_energy, energy_implausible, duration_implausible, end_before_start, ...); the authorization findings token_blocked_at_start and unknown_authorization_reference; completed_without_cdr when cdr_overdue.',
  )
  findings: string[];
  @text() stream: string;
  @position() started_position: number;
  @time() recorded_at: string;
  @position() position: number;
}

export class FinanceStatement implements Record<keyof ReturnType<typeof statementItem>, unknown> {
  @text() partner: string;
  @text() country_code: string;
  @text() party_id: string;
  @text() month: string;
  @text() currency: string;
  @ApiProperty({ type: 'integer' }) cdr_count: number;
  @ApiProperty({
    type: 'integer',
    description:
      'Sessions these CDRs bill (the session ids they name), each counted once, in the statement of its first CDR; credits bill none.',
  })
  session_count: number;
  @ApiProperty({ type: 'integer' }) credit_count: number;
  @decimal('Net of credits.') energy_kwh: string;
  @decimal('Sum of the rounded CDR amounts, credits netted out.') amount_excl_vat: string;
  @decimal('As amount_excl_vat, over the rows that state incl_vat.') amount_incl_vat: string;
  @ApiProperty({ type: 'integer', description: 'Rows without total_cost.incl_vat (left out of amount_incl_vat).' })
  incl_vat_missing: number;
  @ApiProperty({ type: 'integer', description: 'CDRs of this statement with a cdr_cost_mismatch finding.' })
  disputed_cdr_count: number;
  @decimal('Sum of cost_difference_excl_vat over those CDRs: what the CPO billed beyond its tariffs.')
  disputed_excl_vat: string;
  @decimal('Sum of cost_difference_incl_vat over those CDRs (that state incl_vat).') disputed_incl_vat: string;
  @position('Position of the last event that changed this statement.') position: number;
}

/** An event as stored (libs/event-store), hash-chained per stream. */
export class FinanceEvent {
  @text() id: string;
  @text() type: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata: Record<string, unknown>;
  @text() stream: string;
  @ApiProperty({ type: 'integer' }) revision: number;
  @position() position: number;
  @time() recordedAt: string;
  @text() prevHash: string;
  @text() hash: string;
}

export class FinanceCdrPage {
  @ApiProperty({ type: [FinanceCdr] }) items: FinanceCdr[];
  @nullableText('The `cursor` of the next page; null on the last page.') next_cursor: string | null;
  @position() position: number;
}

/** How the CDR was priced, line by line: the explanation to give a CPO or a driver. */
export class FinanceCostCheck {
  @text({ enum: ['priced', 'unpriced'] }) status: string;
  @nullableText('Why it was not priced.') reason: string | null;
  @nullableText('cdr_cost_mismatch, or null.') finding: string | null;
  @ApiProperty({ type: FinanceAmounts }) stated: FinanceAmounts;
  @ApiProperty({ type: FinanceAmounts, nullable: true }) priced: FinanceAmounts | null;
  @ApiProperty({ type: FinanceAmounts, nullable: true, description: 'stated - priced.' }) difference: FinanceAmounts | null;
  @nullableText('IANA zone of the location restrictions were read in (null: unknown, read in UTC).') time_zone: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'tariffs (id, version, source), costs per dimension, subtotal, total, limits, periods with their lines (element, component, quantity, billed_quantity, cost), notes.',
  })
  breakdown: Record<string, unknown> | null;
}

export class FinanceCdrDetail {
  @ApiProperty() cdr: FinanceCdr;
  @ApiProperty({ type: FinanceCostCheck, nullable: true }) cost_check: FinanceCostCheck | null;
  @ApiProperty({ type: [FinanceCdr] }) credits: FinanceCdr[];
  @ApiProperty({ type: FinanceCdr, nullable: true }) original: FinanceCdr | null;
  @ApiProperty({ type: [FinanceEvent] }) events: FinanceEvent[];
  @position() position: number;
}

export class FinanceSessionPage {
  @ApiProperty({ type: [FinanceSession] }) items: FinanceSession[];
  @nullableText('The `cursor` of the next page; null on the last page.') next_cursor: string | null;
  @position() position: number;
  @time() as_of: string;
}

export class FinanceSessionDetail {
  @ApiProperty() session: FinanceSession;
  @ApiProperty({ type: [FinanceCdr] }) cdrs: FinanceCdr[];
  @ApiProperty({ type: [FinanceEvent] }) events: FinanceEvent[];
  @position() position: number;
  @time() as_of: string;
}

export class FinanceStatements {
  @text() month: string;
  @text({ description: 'BILLING_TIME_ZONE: the zone months and dates are periods in.' }) time_zone: string;
  @time() from: string;
  @time() to: string;
  @ApiProperty({ type: [FinanceStatement] }) items: FinanceStatement[];
  @position() position: number;
}

/** Nest's error body. */
export class FinanceError {
  @ApiProperty({ type: 'integer' }) statusCode: number;
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] }) message: string | string[];
  @text() error: string;
}

/** An OCPI Price: JSON numbers, rounded to the minor unit of the tariff currency. */
export class FinancePrice {
  @ApiProperty({ type: 'number' }) excl_vat: number;
  @ApiProperty({ type: 'number', required: false }) incl_vat?: number;
}
const OCPI_OBJECT = (name: string) =>
  ApiProperty({ type: 'object', additionalProperties: true, description: `An OCPI 2.2.1 ${name} object.` });

/** Either `tariff` + `cdr`, or `tariff` + `charging_periods` + `start_date_time` + `time_zone`. */
export class FinancePriceRequest {
  @OCPI_OBJECT('Tariff') tariff: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'An OCPI 2.2.1 CDR (first form).' })
  cdr?: Record<string, unknown>;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    required: false,
    description: 'OCPI 2.2.1 ChargingPeriods (second form).',
  })
  charging_periods?: Record<string, unknown>[];
  @ApiProperty({ ...TIME, required: false, description: 'Start of the session (second form; with a CDR: its own).' })
  start_date_time?: string;
  @ApiProperty({
    ...TIME,
    required: false,
    description: 'End of the session (second form, optional): where the last period ends.',
  })
  end_date_time?: string;
  @ApiProperty({
    type: 'string',
    required: false,
    example: 'Europe/Amsterdam',
    description: 'IANA zone of the location (required in the second form; with a CDR, UTC when absent).',
  })
  time_zone?: string;
}

export class FinancePriceLine {
  @text({ enum: ['ENERGY', 'FLAT', 'TIME', 'PARKING_TIME', 'RESERVATION'] }) dimension: string;
  @ApiProperty({ type: 'integer', description: 'Index in tariff.elements.' }) tariff_element: number;
  @ApiProperty({ type: 'integer', description: "Index in that element's price_components." }) price_component: number;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The PriceComponent applied.' })
  component: Record<string, unknown>;
  @decimal('Volume of the period in `unit`.') quantity: string;
  @decimal('quantity plus what step_size added (on the line that carries the rounding).') billed_quantity: string;
  @text({ enum: ['Wh', 's', 'flat'] }) unit: string;
  @ApiProperty({ type: FinancePrice }) cost: FinancePrice;
}

export class FinancePricePeriod {
  @ApiProperty({ type: 'integer', description: 'Index in the charging periods as given.' }) index: number;
  @time() start_date_time: string;
  @ApiProperty({ description: 'False when the period names another tariff (tariff_id).' }) priced: boolean;
  @ApiProperty({ type: [FinancePriceLine] }) lines: FinancePriceLine[];
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'Volumes no element prices.',
  })
  unpriced: Record<string, unknown>[];
}

export class FinancePriceAnswer {
  @ApiProperty({ type: FinancePrice, description: 'After min_price/max_price.' }) total_cost: FinancePrice;
  @ApiProperty({ type: FinancePrice }) total_energy_cost: FinancePrice;
  @ApiProperty({ type: FinancePrice }) total_time_cost: FinancePrice;
  @ApiProperty({ type: FinancePrice }) total_parking_cost: FinancePrice;
  @ApiProperty({ type: FinancePrice }) total_fixed_cost: FinancePrice;
  @ApiProperty({ type: FinancePrice, required: false, description: 'Only when reservation time was priced.' })
  total_reservation_cost?: FinancePrice;
  @ApiProperty({ type: [FinancePricePeriod] }) periods: FinancePricePeriod[];
  @texts('What makes this price doubtful (a tariff not in force, stated totals that differ from the periods, ...).')
  notes: string[];
}
