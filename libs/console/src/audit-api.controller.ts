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
import {
  LogVerifier,
  NoSuchEvent,
  proveEvent,
  SEAL_STREAM,
  type SealData,
  scanLog,
  streamHistory,
  type VerifyReport,
} from '@roamledger/audit';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { ApiDocument, type ApiDocumentSpec, textProblem } from '@roamledger/service';
import type { FastifyReply } from 'fastify';
import { AuditKeyGuard } from './audit-api-key';
import { PartnerContacts } from './partner-contacts';

export const AUDIT_API: ApiDocumentSpec = {
  name: 'audit',
  path: 'audit/docs',
  title: 'Roamledger audit API',
  description: [
    'Read-only evidence about the event log, for auditors: the log head and its last seal, a chain and seal verification',
    'streamed with its progress, the inclusion proof of one event (the file `npm run audit -- check-proof` checks), a',
    "stream's history with each hash link checked, the timeline of partner registrations, rotations and suspensions, and",
    "each partner's last contact.",
    'It never serves the finance exports: they carry token uids and contract ids (personal data) and need the finance key.',
    'Every answer carries `position`, the log head it was read at.',
  ].join(' '),
  keyDescription: 'AUDIT_API_KEY (generated into DATA_DIR/audit-api-key at first start when unset).',
};

/** The partner stream's prefix and the events of a partner connection's life (credentials' own names). */
const PARTNER_STREAM_PREFIX = 'partner-';
const PARTNER_TIMELINE_TYPES = [
  'PartnerInvited',
  'PartnerRegistered',
  'CredentialsRotated',
  'PartnerUnregistered',
  'PartnerConnectionStarted',
  'ConnectedToPartner',
  'PartnerConnectionFailed',
  'PartnerSuspended',
  'PartnerResumed',
];

/** Progress lines of a verification: at most this often, so a fast run is not all progress. */
const PROGRESS_EVERY_MS = 200;

const queryParam = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) =>
  ApiQuery({ name, description, schema, required: false } as ApiQueryOptions);

const OBJECT = { type: 'object', additionalProperties: true };

/**
 * The read-only audit API: what `npm run audit` tells from the log, over HTTP, for the console's
 * audit pages. Nothing here writes.
 */
@Controller('audit')
@UseGuards(AuditKeyGuard)
@ApiDocument(AUDIT_API)
@ApiBadRequestResponse({ description: 'A parameter is malformed.' })
@ApiUnauthorizedResponse({
  description: 'No or a wrong `Authorization: Bearer <AUDIT_API_KEY>` (the finance and admin keys are refused).',
})
export class AuditApiController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly contacts: PartnerContacts,
  ) {}

  @Get('head')
  @ApiOperation({ summary: 'The log head: its position, the last seal and its age, the positions not sealed yet' })
  @ApiOkResponse({ description: 'The head', schema: OBJECT })
  async head() {
    const position = await this.store.headPosition();
    const [seal] = await this.store.readStream<SealData>(SEAL_STREAM, { direction: 'backwards', maxCount: 1 });
    const now = Date.now();
    return {
      position,
      event_store: this.store.kind,
      last_seal: seal
        ? {
            sequence: seal.data.sequence,
            position: seal.position,
            from_position: seal.data.fromPosition,
            to_position: seal.data.toPosition,
            count: seal.data.count,
            root: seal.data.root,
            hash: seal.hash,
            sealed_at: seal.recordedAt,
            age_seconds: Math.max(0, Math.round((now - Date.parse(seal.recordedAt)) / 1000)),
          }
        : null,
      // Seals lag behind the log by design (AUDIT_SEAL_EVERY_*): what the next seal will cover.
      unsealed_positions: seal ? Math.max(0, position - seal.position) : position + 1,
      as_of: new Date(now).toISOString(),
    };
  }

  @Get('verify')
  @ApiOperation({
    summary: 'Verify every hash chain and every seal from the start of the log up to a position, streamed',
    description:
      'NDJSON: `{"progress":{"done","position","fraction"}}` lines while it runs, then one `{"report":…,"position"}` line. ' +
      'The check always starts at position 0: an event is checked against the previous event of its stream and a seal against the seal before it, wherever they are.',
  })
  @queryParam('to', 'Last position to check (inclusive); default the head when the run starts.', { type: 'integer', minimum: 0 })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({ description: 'Progress lines, then the report', schema: { type: 'string' } })
  async verify(@Query('to') toText: string | undefined, @Res() reply: FastifyReply) {
    const head = await this.store.headPosition();
    const to = toText === undefined || toText === '' ? head : positionOf(toText, 'to');
    const store = this.store;
    async function* lines(): AsyncGenerator<string> {
      const verifier = new LogVerifier();
      const total = Math.min(to, head) + 1;
      yield `${JSON.stringify({ progress: { done: 0, position: -1, fraction: 0 }, to })}\n`;
      let last = Date.now();
      let done = 0;
      for await (const event of scanLog(store, { toPosition: to })) {
        verifier.push(event);
        done += 1;
        if (Date.now() - last >= PROGRESS_EVERY_MS) {
          last = Date.now();
          yield `${JSON.stringify({ progress: { done, position: event.position, fraction: Math.min(1, (event.position + 1) / total) } })}\n`;
        }
      }
      yield `${JSON.stringify({ report: reportItem(verifier.finish()), position: head })}\n`;
    }
    reply
      .header('Content-Type', 'application/x-ndjson; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .header('X-Roamledger-Position', String(head));
    return reply.send(Readable.from(lines(), { objectMode: false }));
  }

  @Get('proof/:position')
  @ApiOperation({
    summary: 'The inclusion proof of the event at a position, as a file',
    description:
      'In the seal that covers it, or in the whole log as it stands when no seal covers it yet. `npm run audit -- check-proof <file>` checks it alone.',
  })
  @ApiOkResponse({ description: 'roamledger-inclusion-proof/1 JSON', schema: OBJECT })
  @ApiNotFoundResponse({ description: 'No event at that position' })
  async proof(@Param('position') positionText: string, @Res() reply: FastifyReply) {
    const position = positionOf(positionText, 'position');
    try {
      const proof = await proveEvent(this.store, position);
      return reply
        .header('Content-Type', 'application/json; charset=utf-8')
        .header('Content-Disposition', `attachment; filename="proof-${position}.json"`)
        .header('Cache-Control', 'no-store')
        .send(`${JSON.stringify(proof, null, 2)}\n`);
    } catch (error) {
      if (error instanceof NoSuchEvent) throw new NotFoundException(error.message);
      throw error;
    }
  }

  @Get('streams/:stream')
  @ApiOperation({
    summary: "A stream's history: every event with its position, request id, partner, hash, and whether its link holds",
  })
  @ApiOkResponse({ description: 'The history', schema: OBJECT })
  @ApiNotFoundResponse({ description: 'No such stream' })
  async stream(@Param('stream') stream: string) {
    if (stream.length > 512 || textProblem(stream)) throw new BadRequestException('stream is not a stream name');
    const position = await this.store.headPosition();
    const events = await this.store.readStream(stream);
    if (events.length === 0) throw new NotFoundException(`No stream named ${stream}`);
    return { stream, history: streamHistory(events), position };
  }

  @Get('partners/contacts')
  @ApiOperation({
    summary:
      "Each partner's last contact: when it last called us with success (its last PartnerContacted) and that event's position",
    description:
      'With its parties, roles, status and whether it is suspended. Contacts are recorded at most once a minute per partner, ' +
      "so a last contact is up to a minute older than the partner's last request. From a view in memory fed by the log.",
  })
  @ApiOkResponse({ description: 'The partners, by id', schema: OBJECT })
  async partnerContacts() {
    const { partners, position } = await this.contacts.read();
    const now = Date.now();
    return {
      items: partners.map((partner) => ({ ...partner, age_seconds: ageSeconds(partner.last_contact_at, now) })),
      position,
      as_of: new Date(now).toISOString(),
    };
  }

  @Get('partners/timeline')
  @ApiOperation({
    summary: 'Partner invitations, registrations, credential rotations, suspensions and unregistrations, in log order',
  })
  @queryParam('from', 'First position to read (the `next_from` of the previous page).', { type: 'integer', minimum: 0 })
  @queryParam('limit', 'Events per page (default 200).', { type: 'integer', minimum: 1, maximum: 1000 })
  @ApiOkResponse({ description: 'A page of the timeline', schema: OBJECT })
  async partnerTimeline(@Query('from') fromText: string | undefined, @Query('limit') limitText: string | undefined) {
    const from = fromText ? positionOf(fromText, 'from') : 0;
    const limit = limitText ? positionOf(limitText, 'limit') : 200;
    if (limit < 1 || limit > 1000) throw new BadRequestException('limit must be an integer from 1 to 1000');
    const position = await this.store.headPosition();
    const events = await this.store.readAll({
      fromPosition: from,
      maxCount: limit,
      filter: { streamPrefixes: [PARTNER_STREAM_PREFIX], eventTypes: PARTNER_TIMELINE_TYPES },
    });
    const items = events.map((event) => {
      const data = (event.data ?? {}) as Record<string, unknown>;
      const metadata = event.metadata ?? {};
      return {
        position: event.position,
        recorded_at: event.recordedAt,
        type: event.type,
        partner_id: event.stream.slice(PARTNER_STREAM_PREFIX.length),
        name: typeof data.name === 'string' ? data.name : null,
        party:
          typeof data.country_code === 'string' && typeof data.party_id === 'string'
            ? `${data.country_code}*${data.party_id}`
            : null,
        reason: typeof data.reason === 'string' ? data.reason : null,
        request_id: typeof metadata.requestId === 'string' ? metadata.requestId : null,
        hash: event.hash,
      };
    });
    const next = events.length === limit ? events[events.length - 1].position + 1 : null;
    return { items, next_from: next, position };
  }
}

function ageSeconds(at: string | null, now: number): number | null {
  return at === null ? null : Math.max(0, Math.round((now - Date.parse(at)) / 1000));
}

function positionOf(text: string, name: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new BadRequestException(`${name} must be a non-negative integer`);
  return Number(text);
}

/** The report as the API gives it: snake_case, the problems as found. */
function reportItem(report: VerifyReport) {
  return {
    ok: report.ok,
    events: report.events,
    streams: report.streams,
    seals: report.seals,
    sealed_through: report.sealedThrough,
    unsealed_events: report.unsealedEvents,
    first_problem: report.firstProblem,
    problem_count: report.problemCount,
    problems: report.problems,
    digest: report.digest,
  };
}
