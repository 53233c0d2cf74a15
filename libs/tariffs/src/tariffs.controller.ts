import { Body, Delete, Get, Param, Patch, Post, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Tariff, v211, v230 } from '@roamledger/ocpi';
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
} from '@roamledger/ocpi-transport';
import type { FastifyReply } from 'fastify';
import { DeleteTariff, PutTariff, TARIFFS_ROUTES, type TariffHandled, TariffStreams } from './tariff.commands';
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
    return answer(reply, handled);
  }

  @Delete(OBJECT_PATH)
  delete(@Exchange() exchange: OcpiExchange, @Param() params: TariffParams) {
    return deleteTariff(this.commands, exchange, params);
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

/** A PUT's answer: 201 when the tariff was created, 200 when updated, and what became of a stale one. */
function answer(reply: FastifyReply, handled: TariffHandled) {
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

async function deleteTariff(commands: CommandBus, exchange: OcpiExchange, params: TariffParams) {
  ownPartyOf(exchange, params);
  const ref = { country_code: params.country_code, party_id: params.party_id, tariff_id: params.tariff_id };
  try {
    await commands.execute(
      new DeleteTariff(ref, exchange.receivedAt, { cause: exchange.requestEvent(), metadata: exchange.metadata() }),
    );
  } catch (error) {
    if (error instanceof UnknownTariff) throw OcpiError.notFound(error.message);
    throw error;
  }
  return ocpiResponse(null);
}

/** The eMSP Tariffs Receiver route in 2.1.1. */
export const TARIFFS_211_ROUTE = 'ocpi/emsp/2.1.1/tariffs';

/**
 * The Tariffs Receiver in 2.1.1 (mod_tariffs.md): the same commands, with 2.1.1's Tariff mapped to
 * the model here (v211): no party in the object, prices without VAT. 2.1.1 also has a PATCH: the
 * fields sent are laid over the Tariff held and the result is PUT, so every version stays whole in
 * the history; without last_updated (its own example has none) the time we received it stands for it.
 */
@OcpiController(TARIFFS_211_ROUTE)
export class Tariffs211Controller {
  constructor(
    private readonly commands: CommandBus,
    private readonly tariffs: TariffStreams,
  ) {}

  @Get(OBJECT_PATH)
  async get(@Exchange() exchange: OcpiExchange, @Param() params: TariffParams) {
    const tariff = await this.tariffs.current(ownPartyOf(exchange, params), params.tariff_id);
    if (!tariff) throw OcpiError.notFound(`Unknown tariff ${describe(params)}`);
    return ocpiResponse(v211.tariffTo211(tariff));
  }

  @Put(OBJECT_PATH)
  async put(
    @Exchange() exchange: OcpiExchange,
    @Param() params: TariffParams,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const party = ownPartyOf(exchange, params);
    const wire = parseOcpiBody(v211.Tariff211, body);
    assertBodyMatchesUrl(['id', params.tariff_id, wire.id]);
    const handled = await this.commands.execute(
      new PutTariff(v211.tariffFrom211(wire, { party, receivedAt: exchange.receivedAt }), {
        cause: exchange.requestEvent(),
        metadata: exchange.metadata(),
      }),
    );
    return answer(reply, handled);
  }

  @Patch(OBJECT_PATH)
  async patch(
    @Exchange() exchange: OcpiExchange,
    @Param() params: TariffParams,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const party = ownPartyOf(exchange, params);
    const wire = parseOcpiPatch(v211.Tariff211, body, []);
    assertBodyMatchesUrl(['id', params.tariff_id, wire.id]);
    const held = await this.tariffs.current(party, params.tariff_id);
    if (!held) {
      reply.status(404);
      return ocpiResponse(null, OcpiStatus.ClientError, `Unknown tariff ${describe(params)}: please PUT the whole Tariff`);
    }
    const tariff: Tariff = {
      ...held,
      ...v211.tariffPatchFrom211(wire),
      last_updated: wire.last_updated ?? exchange.receivedAt,
    };
    const handled = await this.commands.execute(
      new PutTariff(tariff, { cause: exchange.requestEvent(), metadata: exchange.metadata() }),
    );
    return answer(reply, handled);
  }

  @Delete(OBJECT_PATH)
  delete(@Exchange() exchange: OcpiExchange, @Param() params: TariffParams) {
    return deleteTariff(this.commands, exchange, params);
  }

  @Post(OBJECT_PATH)
  post(): never {
    throw OcpiError.methodNotAllowed('POST is not part of the Tariffs Receiver interface; use PUT');
  }
}
