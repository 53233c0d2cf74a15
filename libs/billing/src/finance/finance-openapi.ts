import { CDR_FIELDS } from './finance-items';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Record<string, unknown>) => ({ oneOf: [schema, { type: 'null' }] });
const text = { type: 'string' };
const time = { type: 'string', format: 'date-time', description: 'ISO 8601, UTC (e.g. 2026-11-03T09:15:00.000Z)' };
const position = { type: 'integer', description: 'Global log position.' };
const list = { type: 'array', items: text };

const param = (name: string, description: string, schema: Record<string, unknown> = text, required = false) => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});
const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: text });

const partner = param('partner', 'The CPO, `COUNTRY*PARTY` (e.g. `DE*ABC`).', {
  type: 'string',
  pattern: '^[A-Za-z]{2}\\*[A-Za-z0-9]{3}$',
});
const from = param(
  'from',
  'Inclusive lower bound on the CDR end time: a date (`2026-11-01`, local midnight in the billing time zone) or a date-time with `Z` or an offset.',
);
const to = param('to', 'Exclusive upper bound on the CDR end time; same forms as `from`.');
const currency = param('currency', 'ISO 4217 currency code.', { type: 'string', pattern: '^[A-Za-z]{3}$' });
const cursor = param('cursor', 'The `next_cursor` of the previous page.');
const limit = param('limit', 'Page size (default 100).', { type: 'integer', minimum: 1, maximum: 1000 });

const errors = {
  '400': { description: 'A query parameter is malformed.', content: { 'application/json': { schema: ref('Error') } } },
  '401': {
    description: 'No or a wrong `Authorization: Bearer <FINANCE_API_KEY>` (OCPI tokens and the admin key are refused).',
    content: { 'application/json': { schema: ref('Error') } },
  },
};

const json = (schema: Record<string, unknown>, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const cdrProperties: Record<(typeof CDR_FIELDS)[number], Record<string, unknown>> = {
  partner: { type: 'string', description: '`country_code*party_id` of the CPO.' },
  country_code: text,
  party_id: text,
  cdr_id: text,
  credit: { type: 'boolean' },
  credit_reference_id: nullable(text),
  credited_by: { ...list, description: 'Ids of the credit CDRs that credit this CDR.' },
  session_id: nullable(text),
  token_uid: text,
  token_type: text,
  contract_id: text,
  auth_method: text,
  authorization_reference: nullable(text),
  location_id: text,
  evse_uid: text,
  evse_id: text,
  connector_id: text,
  start_date_time: time,
  end_date_time: time,
  statement_month: { type: 'string', description: 'YYYY-MM of end_date_time in the billing time zone.' },
  energy_kwh: ref('Decimal'),
  time_hours: ref('Decimal'),
  parking_hours: nullable(ref('Decimal')),
  currency: text,
  amount_excl_vat: { ...ref('Decimal'), description: 'total_cost.excl_vat, rounded to the minor unit (half away from zero).' },
  amount_incl_vat: nullable(ref('Decimal')),
  tariff_ids: list,
  invoice_reference_id: nullable(text),
  last_updated: time,
  findings: {
    ...list,
    description: 'Current ledger findings: cdr_without_session, credit_without_original, credited_more_than_once.',
  },
  receipt_findings: { ...list, description: 'Finding codes the CDRs module recorded on receipt (see libs/cdrs cdr.events.ts).' },
  stream: { type: 'string', description: 'The event stream of this CDR in the log.' },
  received_position: position,
  recorded_at: time,
  position: { ...position, description: 'Position of the last event that changed this row.' },
};

/** The OpenAPI 3.1 document of the finance API, served at GET /finance/docs. */
export const FINANCE_OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'Roamledger finance API',
    version: '1',
    description: [
      'Read-only billing figures built from the event log alone (the billing projection).',
      'Decimal amounts and quantities are JSON strings (e.g. "12.34"), never JSON numbers, so no float ever rounds them.',
      'Amounts are rounded once, to the minor unit of their currency, half away from zero.',
      'Every answer carries `position`: the log position the figures were computed at; rebuilding the projection to that position reproduces them.',
      'Months and from/to dates are periods in the configured billing time zone (BILLING_TIME_ZONE); times are returned in UTC.',
    ].join(' '),
  },
  servers: [{ url: '/' }],
  security: [{ financeKey: [] }],
  paths: {
    '/finance/cdrs': {
      get: {
        summary: 'CDR ledger rows (CDRs and credit CDRs), by end time, paged',
        parameters: [
          partner,
          from,
          to,
          currency,
          param('contract_id', 'The token contract id (case-insensitive).'),
          param('finding', 'Only rows with this finding (current or on receipt).'),
          param('credit', 'true: only credit CDRs; false: only CDRs.', { type: 'boolean' }),
          cursor,
          limit,
        ],
        responses: {
          '200': json(
            {
              type: 'object',
              required: ['items', 'next_cursor', 'position'],
              properties: { items: { type: 'array', items: ref('Cdr') }, next_cursor: nullable(text), position },
            },
            'A page of CDRs',
          ),
          ...errors,
        },
      },
    },
    '/finance/cdrs/{country_code}/{party_id}/{cdr_id}': {
      get: {
        summary: 'One CDR with its credits and its full event history',
        parameters: [pathParam('country_code'), pathParam('party_id'), pathParam('cdr_id')],
        responses: {
          '200': json(
            {
              type: 'object',
              properties: {
                cdr: ref('Cdr'),
                credits: { type: 'array', items: ref('Cdr') },
                original: nullable(ref('Cdr')),
                events: { type: 'array', items: ref('RecordedEvent') },
                position,
              },
            },
            'The CDR',
          ),
          '404': json(ref('Error'), 'Not in the ledger'),
          ...errors,
        },
      },
    },
    '/finance/sessions': {
      get: {
        summary: 'Session view rows, by start time, paged',
        parameters: [
          param('status', 'Session status.', { enum: ['PENDING', 'RESERVATION', 'ACTIVE', 'COMPLETED', 'INVALID'] }),
          partner,
          param('cdr_overdue', 'true: only COMPLETED sessions without a CDR BILLING_CDR_DUE_HOURS after their end.', {
            enum: ['true'],
          }),
          cursor,
          limit,
        ],
        responses: {
          '200': json(
            {
              type: 'object',
              properties: { items: { type: 'array', items: ref('Session') }, next_cursor: nullable(text), position, as_of: time },
            },
            'A page of sessions',
          ),
          ...errors,
        },
      },
    },
    '/finance/sessions/{country_code}/{party_id}/{session_id}': {
      get: {
        summary: 'One session with its CDRs and its full event history',
        parameters: [pathParam('country_code'), pathParam('party_id'), pathParam('session_id')],
        responses: {
          '200': json(
            {
              type: 'object',
              properties: {
                session: ref('Session'),
                cdrs: { type: 'array', items: ref('Cdr') },
                events: { type: 'array', items: ref('RecordedEvent') },
                position,
                as_of: time,
              },
            },
            'The session',
          ),
          '404': json(ref('Error'), 'Not in the session view'),
          ...errors,
        },
      },
    },
    '/finance/statements': {
      get: {
        summary: 'Partner statements of a month: per CPO and currency, credits netted out',
        parameters: [
          param('month', 'YYYY-MM, in the billing time zone.', { type: 'string', pattern: '^\\d{4}-\\d{2}$' }, true),
          partner,
          currency,
        ],
        responses: {
          '200': json(
            {
              type: 'object',
              properties: {
                month: text,
                time_zone: text,
                from: time,
                to: time,
                items: { type: 'array', items: ref('Statement') },
                position,
              },
            },
            'Statements',
          ),
          ...errors,
        },
      },
    },
    '/finance/export/cdrs.csv': {
      get: {
        summary: 'The CDR ledger as CSV, streamed',
        description:
          'Header row, then one record per ledger row in end-time order; comma-separated, CRLF, RFC 4180 quoting, ISO 8601 UTC times, dot decimals; lists joined with `;`. X-Roamledger-Position: the position when the export started.',
        parameters: [partner, from, to, currency],
        responses: {
          '200': {
            description: 'CSV',
            headers: { 'X-Roamledger-Position': { schema: { type: 'integer' } } },
            content: { 'text/csv': { schema: { type: 'string' } } },
          },
          ...errors,
        },
      },
    },
    '/finance/export/cdrs.ndjson': {
      get: {
        summary: 'The CDR ledger as NDJSON (one Cdr object per line), streamed',
        parameters: [partner, from, to, currency],
        responses: {
          '200': {
            description: 'NDJSON',
            headers: { 'X-Roamledger-Position': { schema: { type: 'integer' } } },
            content: { 'application/x-ndjson': { schema: ref('Cdr') } },
          },
          ...errors,
        },
      },
    },
    '/finance/docs': {
      get: {
        summary: 'This document',
        security: [],
        responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } },
      },
    },
  },
  components: {
    securitySchemes: {
      financeKey: {
        type: 'http',
        scheme: 'bearer',
        description: 'FINANCE_API_KEY (generated into DATA_DIR/finance-api-key at first start when unset).',
      },
    },
    schemas: {
      Decimal: {
        type: 'string',
        pattern: '^-?\\d+(\\.\\d+)?$',
        description: 'A decimal number as a string, dot as separator (e.g. "12.34").',
        examples: ['12.34'],
      },
      Cdr: { type: 'object', required: [...CDR_FIELDS], properties: cdrProperties },
      Session: {
        type: 'object',
        properties: {
          partner: text,
          country_code: text,
          party_id: text,
          session_id: text,
          status: text,
          start_date_time: time,
          end_date_time: nullable(time),
          energy_kwh: ref('Decimal'),
          currency: text,
          cost_excl_vat: nullable(ref('Decimal')),
          cost_incl_vat: nullable(ref('Decimal')),
          token_uid: text,
          token_type: text,
          contract_id: text,
          auth_method: text,
          authorization_reference: nullable(text),
          location_id: text,
          evse_uid: text,
          connector_id: text,
          last_updated: time,
          cdr_ids: list,
          cdr_overdue: { type: 'boolean', description: 'COMPLETED, no CDR, ended more than BILLING_CDR_DUE_HOURS before as_of.' },
          findings: { ...list, description: 'status_transition_flagged; completed_without_cdr when cdr_overdue.' },
          stream: text,
          started_position: position,
          recorded_at: time,
          position,
        },
      },
      Statement: {
        type: 'object',
        properties: {
          partner: text,
          country_code: text,
          party_id: text,
          month: text,
          currency: text,
          cdr_count: { type: 'integer' },
          credit_count: { type: 'integer' },
          energy_kwh: { ...ref('Decimal'), description: 'Net of credits.' },
          amount_excl_vat: { ...ref('Decimal'), description: 'Sum of the rounded CDR amounts, credits netted out.' },
          amount_incl_vat: { ...ref('Decimal'), description: 'As amount_excl_vat, over the rows that state incl_vat.' },
          incl_vat_missing: { type: 'integer', description: 'Rows without total_cost.incl_vat (left out of amount_incl_vat).' },
          position: { ...position, description: 'Position of the last event that changed this statement.' },
        },
      },
      RecordedEvent: {
        type: 'object',
        description: 'An event as stored (libs/event-store), hash-chained per stream.',
        properties: {
          id: text,
          type: text,
          data: { type: 'object' },
          metadata: { type: 'object' },
          stream: text,
          revision: { type: 'integer' },
          position,
          recordedAt: time,
          prevHash: text,
          hash: text,
        },
      },
      Error: {
        type: 'object',
        properties: { statusCode: { type: 'integer' }, message: {}, error: text },
      },
    },
  },
} as const;
