import { Body, Delete, Get, Param, Patch, Post, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CDR } from '@roamledger/ocpi';
import {
  assertOwnParty,
  Exchange,
  OcpiController,
  OcpiError,
  type OcpiExchange,
  OcpiStatus,
  ocpiResponse,
  parseOcpiBody,
} from '@roamledger/ocpi-transport';
import type { FastifyReply } from 'fastify';
import { CDRS_ROUTE, CdrStreams, ReceiveCdr } from './cdr.commands';

const OBJECT_PATH = ':country_code/:party_id/:cdr_id';

interface CdrParams {
  country_code: string;
  party_id: string;
  cdr_id: string;
}

const IMMUTABLE = 'CDRs cannot be replaced, updated or removed; a correction is a credit CDR, POSTed';

/**
 * eMSP CDRs Receiver interface (mod_cdrs): POST stores a CDR once; GET at the URL the POST
 * answered with, /cdrs/{country_code}/{party_id}/{cdr_id}, returns it.
 */
@OcpiController(CDRS_ROUTE)
export class CdrsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly cdrs: CdrStreams,
  ) {}

  @Post()
  async post(@Exchange() exchange: OcpiExchange, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const cdr = parseOcpiBody(CDR, body);
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
    reply.header('Location', receipt.location);
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
