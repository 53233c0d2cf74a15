import type { FastifyReply, FastifyRequest } from 'fastify';
import { OcpiExchange } from './ocpi-exchange';

declare module 'fastify' {
  interface FastifyRequest {
    ocpiExchange?: OcpiExchange;
  }
}

/** The exchange of this request, made on first use; its ids are echoed on the response. */
export function exchangeOf(request: FastifyRequest, reply: FastifyReply): OcpiExchange {
  if (!request.ocpiExchange) {
    const exchange = new OcpiExchange({
      method: request.method,
      url: request.url,
      headers: request.headers,
      rawBody: request.rawBody,
      requestId: request.id,
      correlationId: request.correlationId,
    });
    request.ocpiExchange = exchange;
    reply.header('X-Request-ID', exchange.requestId);
    reply.header('X-Correlation-ID', exchange.correlationId);
    // The response travels back: our party becomes the sender, theirs the receiver.
    if (exchange.to) {
      reply.header('OCPI-from-country-code', exchange.to.countryCode);
      reply.header('OCPI-from-party-id', exchange.to.partyId);
    }
    if (exchange.from) {
      reply.header('OCPI-to-country-code', exchange.from.countryCode);
      reply.header('OCPI-to-party-id', exchange.from.partyId);
    }
  }
  return request.ocpiExchange;
}
