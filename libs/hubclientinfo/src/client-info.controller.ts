import { Body, Get, Param, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { versionRoutes } from '@roamledger/module-kit';
import { ClientInfo, Role } from '@roamledger/ocpi';
import { VersionNumber } from '@roamledger/ocpi/values';
import {
  Exchange,
  OcpiController,
  OcpiError,
  type OcpiExchange,
  OcpiStatus,
  ocpiResponse,
  parseOcpiBody,
  parseOcpiBody230,
} from '@roamledger/ocpi-transport';
import type { FastifyReply } from 'fastify';
import { ClientInfoStreams, PutClientInfo } from './client-info.commands';

/** The eMSP HubClientInfo Receiver route in 2.2.1, and in each version it is offered in (2.3.0's ClientInfo is 2.2.1's). */
export const CLIENT_INFO_ROUTE = 'ocpi/emsp/2.2.1/clientinfo';
export const CLIENT_INFO_ROUTES = versionRoutes('ocpi/emsp/{version}/clientinfo', [VersionNumber.V2_2_1, VersionNumber.V2_3_0]);

interface PartyParams {
  country_code: string;
  party_id: string;
}

/**
 * mod_hub_client_info Receiver interface: the hub we are connected through tells us the
 * connection status of the parties behind it. Only a partner with the HUB role may.
 */
@OcpiController(Object.values(CLIENT_INFO_ROUTES))
export class ClientInfoController {
  constructor(
    private readonly commands: CommandBus,
    private readonly streams: ClientInfoStreams,
  ) {}

  @Get(':country_code/:party_id')
  async get(@Exchange() exchange: OcpiExchange, @Param() params: PartyParams) {
    assertHub(exchange);
    const info = await this.streams.current({ countryCode: params.country_code, partyId: params.party_id });
    if (!info) throw OcpiError.notFound(`No ClientInfo for ${params.country_code}*${params.party_id}`);
    return ocpiResponse(info);
  }

  @Put(':country_code/:party_id')
  async put(
    @Exchange() exchange: OcpiExchange,
    @Param() params: PartyParams,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    assertHub(exchange);
    const info = exchange.version === '2.3.0' ? parseOcpiBody230(ClientInfo, body) : parseOcpiBody(ClientInfo, body);
    if (
      info.country_code.toUpperCase() !== params.country_code.toUpperCase() ||
      info.party_id.toUpperCase() !== params.party_id.toUpperCase()
    ) {
      throw OcpiError.invalidParameters('The body does not match the URL: country_code and party_id must be those of the URL');
    }
    const handled = await this.commands.execute(
      new PutClientInfo(info, exchange.partner?.partnerId ?? 'unknown', {
        cause: exchange.requestEvent(),
        metadata: exchange.metadata(),
      }),
    );
    reply.status(
      handled.state.info && handled.events.some((e) => e.type === 'ClientInfoUpdated' && !e.data.previous_status) ? 201 : 200,
    );
    const stale = handled.events.find((e) => e.type === 'StaleClientInfoReceived');
    return ocpiResponse(
      null,
      OcpiStatus.Success,
      stale ? 'kept, but older than the ClientInfo we hold: nothing changed' : undefined,
    );
  }
}

function assertHub(exchange: OcpiExchange): void {
  if (!exchange.partner?.roles.some((role) => role.role === Role.HUB)) {
    throw new OcpiError(OcpiStatus.ClientError, 'Only a Hub reports ClientInfo', 403);
  }
}
