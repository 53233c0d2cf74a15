import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { StoreUnavailable } from '@roamledger/event-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { refuseEarly } from './request-checks';

/** What a reply to a request the database could not serve asks the client to wait. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * The database unreachable, on any route of any service (/finance, /admin too): 503 with
 * Retry-After, on /ocpi in the envelope (status 3000); nothing recorded. The process stays up
 * and the pool reconnects by itself.
 */
@Catch(StoreUnavailable)
export class StoreUnavailableFilter implements ExceptionFilter {
  catch(exception: StoreUnavailable, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    reply.header('Retry-After', String(RETRY_AFTER_SECONDS));
    refuseEarly(
      http.getRequest<FastifyRequest>(),
      reply,
      503,
      `The database is unreachable; retry later (${exception.message})`,
      3000,
    );
  }
}
