import { applyDecorators, Controller, createParamDecorator, type ExecutionContext, SetMetadata, UseGuards } from '@nestjs/common';
import { OcpiAuthGuard } from './ocpi-auth.guard';
import { OCPI_ENDPOINT, type OcpiEndpointOptions } from './ocpi-endpoint';
import type { OcpiExchange } from './ocpi-exchange';

/**
 * A controller of OCPI endpoints: authenticated by credentials token, answered in the OCPI envelope.
 * Several paths serve one interface in several OCPI versions (`exchange.version` tells which).
 */
export function OcpiController(path: string | string[], options: OcpiEndpointOptions = {}) {
  return applyDecorators(Controller(path), SetMetadata(OCPI_ENDPOINT, options), UseGuards(OcpiAuthGuard));
}

/** The OcpiExchange of the current request. */
export const Exchange = createParamDecorator((_: unknown, context: ExecutionContext): OcpiExchange => {
  const request = context.switchToHttp().getRequest<{ ocpiExchange?: OcpiExchange }>();
  if (!request.ocpiExchange) throw new Error('No OCPI exchange on this request: is the controller an @OcpiController?');
  return request.ocpiExchange;
});
