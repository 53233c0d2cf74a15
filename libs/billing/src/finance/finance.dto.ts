import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
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
  @texts('Current ledger findings: cdr_without_session, credit_without_original, credited_more_than_once.')
  findings: string[];
  @texts('Finding codes the CDRs module recorded on receipt (see libs/cdrs cdr.events.ts).') receipt_findings: string[];
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
  @ApiProperty({ description: 'COMPLETED, no CDR, ended more than BILLING_CDR_DUE_HOURS before as_of.' })
  cdr_overdue: boolean;
  @texts(
    'status_transition_flagged; the plausibility findings CDRs have (negative_energy, energy_implausible, duration_implausible, end_before_start, ...); completed_without_cdr when cdr_overdue.',
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
  @ApiProperty({ type: 'integer' }) credit_count: number;
  @decimal('Net of credits.') energy_kwh: string;
  @decimal('Sum of the rounded CDR amounts, credits netted out.') amount_excl_vat: string;
  @decimal('As amount_excl_vat, over the rows that state incl_vat.') amount_incl_vat: string;
  @ApiProperty({ type: 'integer', description: 'Rows without total_cost.incl_vat (left out of amount_incl_vat).' })
  incl_vat_missing: number;
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

export class FinanceCdrDetail {
  @ApiProperty() cdr: FinanceCdr;
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
