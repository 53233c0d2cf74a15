import { Readable } from 'node:stream';
import { BadRequestException, Controller, Get, Inject, NotFoundException, Param, Query, Res, UseGuards } from '@nestjs/common';
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
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { ApiDocument, type ApiDocumentSpec, textProblem } from '@roamledger/service';
import type { FastifyReply } from 'fastify';
import { monthRange, parseBound } from '../billing-period';
import { BILLING_SETTINGS, type BillingSettings } from '../billing-settings';
import { BillingReadModel, type CdrFilter, type PageKey } from './billing-read-model';
import {
  FinanceCdr,
  FinanceCdrDetail,
  FinanceCdrPage,
  FinanceError,
  FinanceSessionDetail,
  FinanceSessionPage,
  FinanceStatements,
} from './finance.dto';
import { FinanceKeyGuard } from './finance-api-key';
import { CSV_HEADER, cdrItem, costCheckItem, csvLine, sessionItem, statementItem } from './finance-items';

type QueryParams = Record<string, string | undefined>;

const EXPORT_PAGE = 1000;
const SESSION_STATUSES = ['ACTIVE', 'COMPLETED', 'INVALID', 'PENDING', 'RESERVATION'];

export const FINANCE_API: ApiDocumentSpec = {
  name: 'finance',
  path: 'finance/docs',
  title: 'Roamledger finance API',
  description: [
    'Read-only billing figures built from the event log alone (the billing projection).',
    'Decimal amounts and quantities are JSON strings (e.g. "12.34"), never JSON numbers, so no float ever rounds them.',
    'Amounts are rounded once, to the minor unit of their currency, half away from zero.',
    'Every answer carries `position`: the log position the figures were computed at; rebuilding the projection to that position reproduces them.',
    'Months and from/to dates are periods in the configured billing time zone (BILLING_TIME_ZONE); times are returned in UTC.',
  ].join(' '),
  keyDescription: 'FINANCE_API_KEY (generated into DATA_DIR/finance-api-key at first start when unset).',
};

const queryParam = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) =>
  ApiQuery({ name, description, schema, required: false } as ApiQueryOptions);
const PARTNER = queryParam('partner', 'The CPO, `COUNTRY*PARTY` (e.g. `DE*ABC`).', {
  type: 'string',
  pattern: '^[A-Za-z]{2}\\*[A-Za-z0-9]{3}$',
});
const EMSP_PARTY = queryParam('emsp_party', 'One of our eMSP parties (OCPI_PARTIES), `COUNTRY*PARTY` (e.g. `NL*RLG`).', {
  type: 'string',
  pattern: '^[A-Za-z]{2}\\*[A-Za-z0-9]{3}$',
});
const FROM = queryParam(
  'from',
  'Inclusive lower bound on the CDR end time: a date (`2026-11-01`, local midnight in the billing time zone) or a date-time with `Z` or an offset.',
);
const TO = queryParam('to', 'Exclusive upper bound on the CDR end time; same forms as `from`.');
const CURRENCY = queryParam('currency', 'ISO 4217 currency code.', { type: 'string', pattern: '^[A-Za-z]{3}$' });
const CURSOR = queryParam('cursor', 'The `next_cursor` of the previous page.');
const LIMIT = queryParam('limit', 'Page size (default 100).', { type: 'integer', minimum: 1, maximum: 1000 });
const FINDING = queryParam(
  'finding',
  "Only rows with this finding: a ledger finding, one the CDRs module recorded on receipt, cdr_cost_mismatch, or an authorization finding (token_blocked_at_start, unknown_authorization_reference); snake_case, the event-style name (CdrCostMismatch) or the tokens register's (TOKEN_BLOCKED_AT_START).",
);
const POSITION_HEADER = {
  'X-Roamledger-Position': { description: 'The log position when the export started.', schema: { type: 'integer' } },
};

/**
 * The finance API: the billing projection's tables, read-only, for finance teams and auditors.
 * Every answer names the log position it was read at.
 */
@Controller('finance')
@UseGuards(FinanceKeyGuard)
@ApiDocument(FINANCE_API)
@ApiBadRequestResponse({ description: 'A query parameter is malformed.', type: FinanceError })
@ApiUnauthorizedResponse({
  description: 'No or a wrong `Authorization: Bearer <FINANCE_API_KEY>` (OCPI tokens and the admin key are refused).',
  type: FinanceError,
})
export class FinanceController {
  constructor(
    private readonly model: BillingReadModel,
    @Inject(BILLING_SETTINGS) private readonly settings: BillingSettings,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get('cdrs')
  @ApiOperation({ summary: 'CDR ledger rows (CDRs and credit CDRs), by end time, paged' })
  @PARTNER
  @FROM
  @TO
  @CURRENCY
  @queryParam('contract_id', 'The token contract id (case-insensitive).')
  @queryParam('token_uid', 'The token uid, exactly as the CDR carries it.')
  @queryParam('location_id', "The CPO's location id, exactly as the CDR carries it.")
  @EMSP_PARTY
  @FINDING
  @queryParam('credit', 'true: only credit CDRs; false: only CDRs.', { type: 'boolean' })
  @CURSOR
  @LIMIT
  @ApiOkResponse({ type: FinanceCdrPage, description: 'A page of CDRs' })
  async cdrs(@Query() query: QueryParams) {
    const page = await this.model.cdrPage(this.cdrFilter(query), cursorOf(query.cursor), limitOf(query.limit));
    return { items: page.rows.map(cdrItem), next_cursor: page.next ? cursorText(page.next) : null, position: page.position };
  }

  @Get('cdrs/:country_code/:party_id/:cdr_id')
  @ApiOperation({ summary: 'One CDR with its credits and its full event history' })
  @ApiOkResponse({ type: FinanceCdrDetail, description: 'The CDR' })
  @ApiNotFoundResponse({ type: FinanceError, description: 'Not in the ledger' })
  async cdr(@Param('country_code') countryCode: string, @Param('party_id') partyId: string, @Param('cdr_id') cdrId: string) {
    const { result, position } = await this.model.cdr(countryCode, partyId, cdrId);
    if (!result) throw new NotFoundException(`No CDR ${countryCode}*${partyId} ${cdrId} in the ledger`);
    const events = await this.store.readStream(result.row.stream as string);
    return {
      cdr: cdrItem(result.row),
      cost_check: costCheckItem(result.row),
      credits: result.credits.map(cdrItem),
      original: result.original ? cdrItem(result.original) : null,
      events,
      position,
    };
  }

  @Get('sessions')
  @ApiOperation({ summary: 'Session view rows, by start time, paged' })
  @queryParam('status', 'Session status.', { type: 'string', enum: SESSION_STATUSES })
  @PARTNER
  @queryParam(
    'finding',
    'Only sessions with this finding (status_transition_flagged, negative_energy, energy_implausible, token_blocked_at_start, unknown_authorization_reference, ...); for completed_without_cdr use cdr_overdue.',
  )
  @queryParam('cdr_overdue', 'true: only COMPLETED sessions without a CDR BILLING_CDR_DUE_HOURS after their end.', {
    type: 'string',
    enum: ['true'],
  })
  @CURSOR
  @LIMIT
  @ApiOkResponse({ type: FinanceSessionPage, description: 'A page of sessions' })
  async sessions(@Query() query: QueryParams) {
    const asOf = new Date();
    const party = partyOf(query.partner);
    if (query.status && !SESSION_STATUSES.includes(query.status)) {
      throw new BadRequestException(`status must be one of ${SESSION_STATUSES.join(', ')}`);
    }
    if (query.cdr_overdue && query.cdr_overdue !== 'true') throw new BadRequestException('cdr_overdue can only be true');
    const page = await this.model.sessionPage(
      {
        ...party,
        status: query.status,
        ...(query.finding ? { finding: findingOf(query.finding) } : {}),
        cdrDueBefore: query.cdr_overdue ? new Date(asOf.getTime() - this.settings.cdrDueHours * 3_600_000) : undefined,
      },
      cursorOf(query.cursor),
      limitOf(query.limit),
    );
    return {
      items: page.rows.map((row) => sessionItem(row, asOf, this.settings.cdrDueHours)),
      next_cursor: page.next ? cursorText(page.next) : null,
      position: page.position,
      as_of: asOf.toISOString(),
    };
  }

  @Get('sessions/:country_code/:party_id/:session_id')
  @ApiOperation({ summary: 'One session with its CDRs and its full event history' })
  @ApiOkResponse({ type: FinanceSessionDetail, description: 'The session' })
  @ApiNotFoundResponse({ type: FinanceError, description: 'Not in the session view' })
  async session(
    @Param('country_code') countryCode: string,
    @Param('party_id') partyId: string,
    @Param('session_id') sessionId: string,
  ) {
    const asOf = new Date();
    const { result, position } = await this.model.session(countryCode, partyId, sessionId);
    if (!result) throw new NotFoundException(`No session ${countryCode}*${partyId} ${sessionId} in the session view`);
    const events = await this.store.readStream(result.row.stream as string);
    return {
      session: sessionItem(result.row, asOf, this.settings.cdrDueHours),
      cdrs: result.cdrs.map(cdrItem),
      events,
      position,
      as_of: asOf.toISOString(),
    };
  }

  @Get('statements')
  @ApiOperation({ summary: 'Partner statements of a month: per CPO and currency, credits netted out' })
  @ApiQuery({
    name: 'month',
    description: 'YYYY-MM, in the billing time zone.',
    schema: { type: 'string', pattern: '^\\d{4}-\\d{2}$' },
  })
  @PARTNER
  @EMSP_PARTY
  @CURRENCY
  @ApiOkResponse({ type: FinanceStatements, description: 'Statements' })
  async statements(@Query() query: QueryParams) {
    if (!query.month) throw new BadRequestException('month (YYYY-MM) is required');
    let range: { from: Date; to: Date };
    try {
      range = monthRange(query.month, this.settings.timeZone);
    } catch (error) {
      throw new BadRequestException((error as Error).message);
    }
    const { result, position } = await this.model.statements(query.month, {
      ...partyOf(query.partner),
      currency: currencyOf(query.currency),
      emsp_party: emspPartyOf(query.emsp_party),
    });
    return {
      month: query.month,
      time_zone: this.settings.timeZone,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      items: result.map(statementItem),
      position,
    };
  }

  @Get('export/cdrs.csv')
  @ApiOperation({
    summary: 'The CDR ledger as CSV, streamed',
    description:
      'Header row, then one record per ledger row in end-time order; comma-separated, CRLF, RFC 4180 quoting, ISO 8601 UTC times, dot decimals; lists joined with `;`.',
  })
  @PARTNER
  @EMSP_PARTY
  @FROM
  @TO
  @CURRENCY
  @FINDING
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV', schema: { type: 'string' }, headers: POSITION_HEADER })
  exportCsv(@Query() query: QueryParams, @Res() reply: FastifyReply) {
    return this.export(query, reply, 'csv');
  }

  @Get('export/cdrs.ndjson')
  @ApiOperation({ summary: 'The CDR ledger as NDJSON (one FinanceCdr object per line), streamed' })
  @PARTNER
  @EMSP_PARTY
  @FROM
  @TO
  @CURRENCY
  @FINDING
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({ description: 'NDJSON', type: FinanceCdr, headers: POSITION_HEADER })
  exportNdjson(@Query() query: QueryParams, @Res() reply: FastifyReply) {
    return this.export(query, reply, 'ndjson');
  }

  /**
   * Streams the ledger in pages of 1000 rows (keyset on end time), one page in memory at a
   * time; the socket's back-pressure paces the reads. `X-Roamledger-Position` is the position at
   * the start; each row carries the position it was last changed at.
   */
  private async export(query: QueryParams, reply: FastifyReply, format: 'csv' | 'ndjson') {
    const filter = this.cdrFilter(query);
    const { position } = await this.model.snapshot(async () => undefined);
    const model = this.model;
    async function* lines(): AsyncGenerator<string> {
      if (format === 'csv') yield CSV_HEADER;
      let after: PageKey | undefined;
      for (;;) {
        const page = await model.cdrPage(filter, after, EXPORT_PAGE);
        const items = page.rows.map(cdrItem);
        yield format === 'csv' ? items.map(csvLine).join('') : items.map((item) => `${JSON.stringify(item)}\n`).join('');
        if (!page.next) return;
        after = page.next;
      }
    }
    const name = `cdrs.${format}`;
    reply
      .header('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="${name}"`)
      .header('Cache-Control', 'no-store')
      .header('X-Roamledger-Position', String(position));
    return reply.send(Readable.from(lines(), { objectMode: false, highWaterMark: 64 * 1024 }));
  }

  private cdrFilter(query: QueryParams): CdrFilter {
    const filter: CdrFilter = { ...partyOf(query.partner), currency: currencyOf(query.currency) };
    try {
      if (query.from) filter.from = parseBound(query.from, this.settings.timeZone);
      if (query.to) filter.to = parseBound(query.to, this.settings.timeZone);
    } catch (error) {
      throw new BadRequestException((error as Error).message);
    }
    if (query.contract_id) filter.contract_id = query.contract_id;
    if (query.token_uid) filter.token_uid = query.token_uid;
    if (query.location_id) filter.location_id = query.location_id;
    filter.emsp_party = emspPartyOf(query.emsp_party);
    if (query.finding) filter.finding = findingOf(query.finding);
    if (query.credit !== undefined) {
      if (query.credit !== 'true' && query.credit !== 'false') throw new BadRequestException('credit must be true or false');
      filter.credit = query.credit === 'true';
    }
    return filter;
  }
}

/**
 * A finding code, snake_case as stored; the event-style name (CdrCostMismatch) is read as
 * cdr_cost_mismatch, the tokens register's upper-case one (TOKEN_BLOCKED_AT_START) as token_blocked_at_start.
 */
function findingOf(finding: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(finding))
    throw new BadRequestException('finding is a finding code, e.g. cdr_without_session or cdr_cost_mismatch');
  if (/^[A-Z0-9_]+$/.test(finding)) return finding.toLowerCase();
  return /[A-Z]/.test(finding) ? finding.replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase() : finding;
}

function partyOf(partner: string | undefined): { country_code?: string; party_id?: string } {
  if (!partner) return {};
  const match = /^([A-Za-z]{2})\*([A-Za-z0-9]{3})$/.exec(partner);
  if (!match) throw new BadRequestException(`partner must look like DE*ABC (country code * party id), got "${partner}"`);
  return { country_code: match[1].toUpperCase(), party_id: match[2].toUpperCase() };
}

function emspPartyOf(party: string | undefined): string | undefined {
  if (!party) return undefined;
  if (!/^[A-Za-z]{2}\*[A-Za-z0-9]{3}$/.test(party))
    throw new BadRequestException(`emsp_party must look like NL*RLG (country code * party id), got "${party}"`);
  return party.toUpperCase();
}

function currencyOf(currency: string | undefined): string | undefined {
  if (!currency) return undefined;
  if (!/^[A-Za-z]{3}$/.test(currency)) throw new BadRequestException(`currency must be an ISO 4217 code, got "${currency}"`);
  return currency.toUpperCase();
}

function limitOf(limit: string | undefined): number {
  if (limit === undefined) return 100;
  const value = Number(limit);
  if (!Number.isInteger(value) || value < 1 || value > 1000)
    throw new BadRequestException('limit must be an integer from 1 to 1000');
  return value;
}

function cursorText(key: PageKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function cursorOf(cursor: string | undefined): PageKey | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Only what cursorText writes: a time the database reads back, then three clean strings.
    if (
      Array.isArray(key) &&
      key.length === 4 &&
      key.every((part) => typeof part === 'string' && part.length <= 256 && !textProblem(part)) &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:\d{2})?)$/.test(key[0]) &&
      !Number.isNaN(Date.parse(key[0]))
    ) {
      return key as PageKey;
    }
  } catch {
    // answered below
  }
  throw new BadRequestException('cursor is not one this API gave out (next_cursor)');
}
