import { Body, Delete, Get, Headers, HttpCode, Post, Put } from '@nestjs/common';
import { Exchange, OcpiController, type OcpiExchange, ocpiResponse } from '@roamledger/ocpi-transport';
import { CREDENTIALS_ROUTES } from './credentials.routes';
import { PartnerService } from './partner.commands';

/**
 * The credentials module (credentials.asciidoc, credentials.md in 2.1.1): registration, update and
 * unregistration by the partner, in the version of the route it calls.
 */
@OcpiController(Object.values(CREDENTIALS_ROUTES), { configurationModule: true })
export class CredentialsController {
  constructor(private readonly partners: PartnerService) {}

  @Get()
  async get(@Exchange() exchange: OcpiExchange, @Headers('authorization') authorization?: string) {
    return ocpiResponse(this.partners.onTheWire(exchange, await this.partners.current(exchange, authorization)));
  }

  @Post()
  @HttpCode(200)
  async register(@Exchange() exchange: OcpiExchange, @Body() body: unknown) {
    return ocpiResponse(this.partners.onTheWire(exchange, await this.partners.register(exchange, body)));
  }

  @Put()
  async update(@Exchange() exchange: OcpiExchange, @Body() body: unknown) {
    return ocpiResponse(this.partners.onTheWire(exchange, await this.partners.update(exchange, body)));
  }

  @Delete()
  async unregister(@Exchange() exchange: OcpiExchange) {
    await this.partners.unregister(exchange);
    // The spec defines no data for this answer: leave it out.
    return ocpiResponse(undefined);
  }
}
