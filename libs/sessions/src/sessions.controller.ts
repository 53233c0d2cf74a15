import { Body, Delete, Get, Inject, Param, Patch, Post, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { versionRoutes } from '@roamledger/module-kit';
import { type PartyId, Session, v211, v230 } from '@roamledger/ocpi';
import {
  assertBodyMatchesUrl,
  Exchange,
  OcpiController,
  OcpiError,
  type OcpiExchange,
  OcpiStatus,
  ocpiResponse,
  ownPartyOf,
  parseOcpiBody,
  parseOcpiBody230,
  parseOcpiPatch,
  parseOcpiPatch230,
} from '@roamledger/ocpi-transport';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import type { FastifyReply } from 'fastify';
import { PatchSession, PutSession, SessionStreams } from './session.commands';
import type { SessionEvent, SessionPatch } from './session.events';

const OBJECT_PATH = ':country_code/:party_id/:session_id';

interface SessionParams {
  country_code: string;
  party_id: string;
  session_id: string;
}

/** The eMSP Sessions Receiver route in 2.2.1, and in every version. */
export const SESSIONS_ROUTE = 'ocpi/emsp/2.2.1/sessions';
export const SESSIONS_ROUTES = versionRoutes('ocpi/emsp/{version}/sessions');

/**
 * eMSP Sessions Receiver interface (mod_sessions): GET, PUT and PATCH of one CPO-owned Session, in
 * every version: a 2.1.1 Session is mapped to the model here, at the edge (v211), and the same
 * commands take it; 2.3.0's Session is 2.2.1's with named taxes and open enums (v230).
 */
@OcpiController(Object.values(SESSIONS_ROUTES))
export class SessionsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly sessions: SessionStreams,
    @Inject(ROAMLEDGER_CONFIG) private readonly config: RoamledgerConfig,
  ) {}

  /** What a 2.1.1 Session leaves out: the CPO (from the URL) and whose token, when auth_id is no eMA ID (ours). */
  private from211(party: PartyId): v211.From211 {
    return { party, tokenParty: this.config.ocpiParties[0] };
  }

  @Get(OBJECT_PATH)
  async get(@Exchange() exchange: OcpiExchange, @Param() params: SessionParams) {
    const party = ownPartyOf(exchange, params);
    const session = await this.sessions.current(party, params.session_id);
    if (!session) throw OcpiError.notFound(`Unknown session ${describe(params)}`);
    if (exchange.version === '2.1.1') return ocpiResponse(v211.sessionTo211(session));
    if (exchange.version === '2.3.0') return ocpiResponse(v230.objectTo230(session, v230.SESSION_PRICE_FIELDS_230));
    return ocpiResponse(session);
  }

  @Put(OBJECT_PATH)
  async put(
    @Exchange() exchange: OcpiExchange,
    @Param() params: SessionParams,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const party = ownPartyOf(exchange, params);
    const session =
      exchange.version === '2.1.1'
        ? v211.sessionFrom211(parseOcpiBody(v211.Session211, body), this.from211(party))
        : exchange.version === '2.3.0'
          ? parseOcpiBody230(v230.Session230, body, v230.sessionFrom230)
          : parseOcpiBody(Session, body);
    assertBodyMatchesUrl(
      ['country_code', params.country_code, session.country_code],
      ['party_id', params.party_id, session.party_id],
      ['id', params.session_id, session.id],
    );
    const handled = await this.commands.execute(
      new PutSession(session, { cause: exchange.requestEvent(), metadata: exchange.metadata() }),
    );
    // status_codes: 201 when the object was created, 200 when an existing one was updated.
    reply.status(handled.created ? 201 : 200);
    return ocpiResponse(null, OcpiStatus.Success, notice(handled.events));
  }

  @Patch(OBJECT_PATH)
  async patch(
    @Exchange() exchange: OcpiExchange,
    @Param() params: SessionParams,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const party = ownPartyOf(exchange, params);
    const patch = (
      exchange.version === '2.1.1'
        ? v211.sessionPatchFrom211(parseOcpiPatch(v211.Session211, body, []), {
            ...this.from211(party),
            receivedAt: exchange.receivedAt,
          })
        : exchange.version === '2.3.0'
          ? parseOcpiPatch230(v230.Session230, body, v230.sessionFrom230)
          : parseOcpiPatch(Session, body)
    ) as SessionPatch;
    assertBodyMatchesUrl(
      ['country_code', params.country_code, patch.country_code],
      ['party_id', params.party_id, patch.party_id],
      ['id', params.session_id, patch.id],
    );
    const handled = await this.commands.execute(
      new PatchSession(party, params.session_id, patch, { cause: exchange.requestEvent(), metadata: exchange.metadata() }),
    );
    if (!handled.state.session) {
      // Kept in the log and applied if newer once the PUT arrives; but the object does not exist,
      // so the PATCH fails (404, as a GET would) and the CPO's recovery is GET then PUT
      // (transport_and_format, PATCH).
      reply.status(404);
      return ocpiResponse(
        null,
        OcpiStatus.ClientError,
        `Unknown session ${describe(params)}: the PATCH is kept and applied if newer when the Session is PUT; please PUT the full Session`,
      );
    }
    return ocpiResponse(null, OcpiStatus.Success, notice(handled.events));
  }

  // The Receiver interface has no POST or DELETE: sessions are never deleted, COMPLETED is final.
  @Post(OBJECT_PATH)
  post(): never {
    throw OcpiError.methodNotAllowed('POST is not part of the Sessions Receiver interface; use PUT');
  }

  @Delete(OBJECT_PATH)
  delete(): never {
    throw OcpiError.methodNotAllowed('DELETE is not part of the Sessions Receiver interface: sessions are never deleted');
  }
}

/** Tells the CPO what became of an accepted update that did not (fully) apply. */
function notice(events: SessionEvent[]): string | undefined {
  const notes = events.flatMap((event) => {
    if (event.type === 'StaleSessionUpdateReceived') {
      return [
        `kept, but its last_updated ${event.data.last_updated} is older than the session we hold (${event.data.held_last_updated}): nothing changed`,
      ];
    }
    if (event.type === 'SessionStatusTransitionFlagged') {
      return [`kept, but the status change ${event.data.from} -> ${event.data.to} was not applied: ${event.data.reason}`];
    }
    return [];
  });
  return notes.length ? notes.join('; ') : undefined;
}

function describe(params: SessionParams): string {
  return `${params.country_code}*${params.party_id} ${params.session_id}`;
}
