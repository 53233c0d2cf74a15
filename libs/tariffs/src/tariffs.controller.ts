import { Body, Delete, Get, Param, Patch, Post, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Tariff, v230 } from '@roamledger/ocpi';
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
} from '@roamledger/ocpi-transport';
import type { FastifyReply } from 'fastify';
import { DeleteTariff, PutTariff, TARIFFS_ROUTES, TariffStreams } from './tariff.commands';
import { UnknownTariff } from './tariff.decider';

const OBJECT_PATH = ':country_code/:party_id/:tariff_id';

interface TariffParams {
  country_code: string;
  party_id: string;
  tariff_id: string;
}

/**
 * eMSP Tariffs Receiver interface (mod_tariffs): GET, PUT and DELETE of one CPO-owned Tariff. In
 * 2.3.0 the limits are PriceLimits (before_taxes is excl_vat, after_taxes incl_vat) and the tariff
 * says whether its prices include taxes (tax_included, kept with the object, as is any field the
 * spec does not document); a GET on the 2.3.0 route answers 2.3.0's shape.
 */
@OcpiController(Object.values(TARIFFS_ROUTES))
export class TariffsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly tariffs: TariffStreams,
  ) {}

  @Get(OBJECT_PATH)
  async get(@Exchange() exchange: OcpiExchange, @Param() params: TariffParams) {
    const tariff = await this.tariffs.current(ownPartyOf(exchange, params), params.tariff_id);
    if (!tariff) throw OcpiError.notFound(`Unknown tariff ${describe(params)}`);
    return ocpiResponse(exchange.version === '2.3.0' ? v230.tariffTo230(tariff) : tariff);
  }

  @Put(OBJECT_PATH)
  async put(
    @Exchange() exchange: OcpiExchange,
    @Param() params: TariffParams,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    ownPartyOf(exchange, params);
    const tariff =
      exchange.version === '2.3.0' ? parseOcpiBody230(v230.Tariff230, body, v230.tariffFrom230) : parseOcpiBody(Tariff, body);
    assertBodyMatchesUrl(
      ['country_code', params.country_code, tariff.country_code],
      ['party_id', params.party_id, tariff.party_id],
      ['id', params.tariff_id, tariff.id],
    );
    const handled = await this.commands.execute(
      new PutTariff(tariff, { cause: exchange.requestEvent(), metadata: exchange.metadata() }),
    );
    reply.status(handled.created ? 201 : 200);
    const stale = handled.events.find((event) => event.type === 'StaleTariffUpdateReceived');
    return ocpiResponse(
      null,
      OcpiStatus.Success,
      stale?.type === 'StaleTariffUpdateReceived'
        ? `kept, but its last_updated ${stale.data.last_updated} is older than the tariff we hold (${stale.data.held_last_updated}): nothing changed`
        : undefined,
    );
  }

  @Delete(OBJECT_PATH)
  async delete(@Exchange() exchange: OcpiExchange, @Param() params: TariffParams) {
    ownPartyOf(exchange, params);
    const ref = { country_code: params.country_code, party_id: params.party_id, tariff_id: params.tariff_id };
    try {
      await this.commands.execute(
        new DeleteTariff(ref, exchange.receivedAt, { cause: exchange.requestEvent(), metadata: exchange.metadata() }),
      );
    } catch (error) {
      if (error instanceof UnknownTariff) throw OcpiError.notFound(error.message);
      throw error;
    }
    return ocpiResponse(null);
  }

  // mod_tariffs: the Receiver interface has no POST and no PATCH; a changed tariff is PUT whole.
  @Patch(OBJECT_PATH)
  patch(): never {
    throw OcpiError.methodNotAllowed('PATCH is not part of the Tariffs Receiver interface: PUT the whole Tariff');
  }

  @Post(OBJECT_PATH)
  post(): never {
    throw OcpiError.methodNotAllowed('POST is not part of the Tariffs Receiver interface; use PUT');
  }
}

function describe(params: TariffParams): string {
  return `${params.country_code}*${params.party_id} ${params.tariff_id}`;
}
