import { Body, Delete, Get, Inject, Param, Patch, Post, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { isOcpiVersion } from '@roamledger/module-kit';
import { CDR, v211, v230 } from '@roamledger/ocpi';
import {
  assertOwnParty,
  Exchange,
  OcpiController,
  OcpiError,
  type OcpiExchange,
  OcpiStatus,
  ocpiResponse,
  parseOcpiBody,
  parseOcpiBody230,
} from '@roamledger/ocpi-transport';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import type { FastifyReply } from 'fastify';
import { CDRS_ROUTE, CDRS_ROUTES, CdrStreams, ReceiveCdr } from './cdr.commands';

const OBJECT_PATH = ':country_code/:party_id/:cdr_id';

interface CdrParams {
  country_code: string;
  party_id: string;
  cdr_id: string;
}

const IMMUTABLE = 'CDRs cannot be replaced, updated or removed; a correction is a credit CDR, POSTed';

/**
 * eMSP CDRs Receiver interface (mod_cdrs): POST stores a CDR once; GET at the URL the POST
 * answered with, /cdrs/{country_code}/{party_id}/{cdr_id}, returns it. In every version: a 2.1.1
 * CDR is mapped to the model here, at the edge (v211); 2.3.0's is 2.2.1's.
 */
@OcpiController(Object.values(CDRS_ROUTES))
export class CdrsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly cdrs: CdrStreams,
    @Inject(ROAMLEDGER_CONFIG) private readonly config: RoamledgerConfig,
  ) {}

  /** The CDR in the model; a 2.1.1 CDR names no party: it is the sender's own (2.1.1 credentials hold one). */
  private read(exchange: OcpiExchange, body: unknown): CDR {
    if (exchange.version === '2.3.0') return parseOcpiBody230(v230.CDR230, body, v230.cdrFrom230);
    if (exchange.version !== '2.1.1') return parseOcpiBody(CDR, body);
    const wire = parseOcpiBody(v211.Cdr211, body);
    const party = exchange.partner?.roles[0];
    if (!party) throw OcpiError.unauthorized('Not registered');
    return v211.cdrFrom211(wire, { party, tokenParty: this.config.ocpiParties[0] });
  }

  @Post()
  async post(@Exchange() exchange: OcpiExchange, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const cdr = this.read(exchange, body);
    assertOwnParty(exchange, { countryCode: cdr.country_code, partyId: cdr.party_id });
    const receipt = await this.commands.execute(
      new ReceiveCdr(cdr, { cause: exchange.requestEvent(), metadata: exchange.metadata() }),
    );
    if (receipt.outcome === 'rejected') {
      // Valid JSON that reached the OCPI layer: HTTP 200 with a client error (status_codes), and
      // the attempt is in the CDR's stream (CdrRejected) rather than a bare rejection digest.
      reply.status(200);
      return ocpiResponse(null, OcpiStatus.ClientError, receipt.rejection?.message);
    }
    // The GET URL in the version the CDR was posted in.
    const route = isOcpiVersion(exchange.version) ? CDRS_ROUTES[exchange.version] : undefined;
    reply.header('Location', route ? receipt.location.replace(`/${CDRS_ROUTE}/`, `/${route}/`) : receipt.location);
    reply.status(receipt.outcome === 'stored' ? 201 : 200);
    return ocpiResponse(
      null,
      OcpiStatus.Success,
      receipt.outcome === 'duplicate' ? 'CDR already received; nothing changed' : undefined,
    );
  }

  @Get(OBJECT_PATH)
  async get(@Exchange() exchange: OcpiExchange, @Param() params: CdrParams) {
    const party = { countryCode: params.country_code, partyId: params.party_id };
    assertOwnParty(exchange, party);
    const cdr = await this.cdrs.current(party, params.cdr_id);
    if (!cdr) throw OcpiError.notFound(`Unknown CDR ${params.country_code}*${params.party_id} ${params.cdr_id}`);
    if (exchange.version === '2.1.1') return ocpiResponse(v211.cdrTo211(cdr));
    if (exchange.version === '2.3.0') return ocpiResponse(v230.objectTo230(cdr, v230.CDR_PRICE_FIELDS_230));
    return ocpiResponse(cdr);
  }

  // PUT, PATCH and DELETE are not part of the Receiver interface (nor POST to one CDR's URL).
  @Put()
  put(): never {
    throw OcpiError.methodNotAllowed(IMMUTABLE);
  }

  @Patch()
  patch(): never {
    throw OcpiError.methodNotAllowed(IMMUTABLE);
  }

  @Delete()
  delete(): never {
    throw OcpiError.methodNotAllowed(IMMUTABLE);
  }

  @Put(OBJECT_PATH)
  putObject(): never {
    throw OcpiError.methodNotAllowed(IMMUTABLE);
  }

  @Patch(OBJECT_PATH)
  patchObject(): never {
    throw OcpiError.methodNotAllowed(IMMUTABLE);
  }

  @Delete(OBJECT_PATH)
  deleteObject(): never {
    throw OcpiError.methodNotAllowed(IMMUTABLE);
  }

  @Post(OBJECT_PATH)
  postObject(): never {
    throw OcpiError.methodNotAllowed(IMMUTABLE);
  }
}
