import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type Observable, tap } from 'rxjs';
import { PartnerDirectory } from './partner-directory';

/**
 * A registered partner's OCPI request that succeeded is a contact the other processes must hear
 * of ("the partner is back"): the directory records it, at most once per interval. A rejected
 * request (an exception) records nothing, so bad input still leaves no fact but its rejection.
 */
@Injectable()
export class PartnerContactInterceptor implements NestInterceptor {
  constructor(private readonly directory: PartnerDirectory) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const partner = context.switchToHttp().getRequest<FastifyRequest>().ocpiExchange?.partner;
    if (partner?.tokenKind !== 'C') return next.handle();
    return next.handle().pipe(tap({ complete: () => this.directory.recordContact(partner.partnerId) }));
  }
}
