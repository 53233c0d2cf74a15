import {
  type ArgumentsHost,
  type BeforeApplicationShutdown,
  Catch,
  type ExceptionFilter,
  HttpException,
  Inject,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import { isStoreUnavailable, type NewEvent } from '@roamledger/event-store';
import { PartnerLimits, RETRY_AFTER_SECONDS, type RejectionSummary } from '@roamledger/service';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OcpiError } from './ocpi-error';
import { exchangeOf } from './ocpi-exchange.request';
import { ocpiResponse } from './ocpi-response';
import { REJECTED_REQUEST_LOG, type RejectedRequestLog } from './rejected-request-log';
import { OcpiStatus } from './status-codes';

/**
 * Every failure on an /ocpi route leaves in the OCPI envelope with a log line; a rejected write
 * from an authenticated partner also leaves an OcpiRequestRejected event in that partner's stream
 * (and no domain event). Other routes keep Nest's default handling.
 *
 * While the database is unreachable every route answers 503 with `Retry-After` (on /ocpi in the
 * envelope, status 3000) and nothing is recorded. A write whose commit outcome is unknown is safe
 * to retry: a PUT of the same object, or a CDR already held, decides no new events.
 */
@Catch()
export class OcpiExceptionFilter extends BaseExceptionFilter implements ExceptionFilter, BeforeApplicationShutdown {
  private readonly logger = new Logger('ocpi');

  constructor(
    adapterHost: HttpAdapterHost,
    @Inject(REJECTED_REQUEST_LOG) private readonly rejections: RejectedRequestLog,
    private readonly limits: PartnerLimits,
  ) {
    super(adapterHost.httpAdapter);
  }

  /** Counts of refusals not recorded one by one are appended before the store closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.limits.rejections.drain();
  }

  private readonly appendSummary = async (summary: RejectionSummary): Promise<void> => {
    try {
      await this.rejections.record(summary.key, rejectionsCounted(summary));
    } catch (error) {
      this.logger.error(`Could not record ${summary.count} refusals of ${summary.key}: ${(error as Error).message}`);
    }
  };

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const unavailable =
      !(exception instanceof HttpException) && !(exception instanceof OcpiError) && isStoreUnavailable(exception);
    if (unavailable && host.getType() === 'http') reply.header('Retry-After', String(RETRY_AFTER_SECONDS));
    if (host.getType() !== 'http' || !request.url.startsWith('/ocpi')) {
      if (unavailable) {
        this.logger.warn(`503 ${request.method} ${request.url}: ${(exception as Error).message}`);
        return super.catch(new ServiceUnavailableException('The database is unreachable; retry later'), host);
      }
      return super.catch(asHttpException(exception), host);
    }
    const error = unavailable
      ? new OcpiError(OcpiStatus.ServerError, 'The hub cannot reach its database; retry later', 503)
      : toOcpiError(exception);
    const exchange = exchangeOf(request, reply);
    const line = `${error.httpStatus} ${error.statusCode} ${exchange.method} ${exchange.url} request ${exchange.requestId}${
      exchange.partner ? ` partner ${exchange.partner.partnerId}` : ''
    }: ${error.message}`;
    if (error.httpStatus >= 500 && !unavailable) this.logger.error(line, (exception as Error)?.stack);
    else this.logger.warn(unavailable ? `${line} (${(exception as Error).message})` : line);

    if (exchange.partner && exchange.isWrite && !unavailable) {
      // Beyond the partner's quota a refusal is only counted (garbage must not fill the log), and
      // answered once its count is in the log.
      const partnerId = exchange.partner.partnerId;
      if (!this.limits.rejections.admit(partnerId)) {
        await this.limits.rejections.count(partnerId, `${error.statusCode}/${error.httpStatus}`, this.appendSummary);
      } else {
        try {
          await this.rejections.record(
            exchange.partner.partnerId,
            exchange.rejectionEvent(error.statusCode, error.httpStatus, error.message),
          );
        } catch (appendError) {
          this.logger.error(`Could not record the rejection of request ${exchange.requestId}: ${(appendError as Error).message}`);
        }
      }
    }
    await reply.status(error.httpStatus).send(ocpiResponse(error.data ?? null, error.statusCode, error.message));
  }
}

/** Refused writes of one partner over a window that were counted, not recorded one by one. */
export const OCPI_REJECTIONS_COUNTED = 'OcpiRejectionsCounted';

function rejectionsCounted(summary: RejectionSummary): NewEvent {
  return {
    type: OCPI_REJECTIONS_COUNTED,
    data: { from: summary.from, to: summary.to, count: summary.count, by_status: summary.byStatus },
    metadata: { partnerId: summary.key },
  };
}

function toOcpiError(exception: unknown): OcpiError {
  if (exception instanceof OcpiError) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) return OcpiError.notFound(exception.message);
    if (status === 405) return OcpiError.methodNotAllowed(exception.message);
    if (status === 401) return OcpiError.unauthorized(exception.message);
    if (status < 500) return new OcpiError(OcpiStatus.ClientError, exception.message, status);
  }
  const fastifyStatus = (exception as { statusCode?: number })?.statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    return new OcpiError(OcpiStatus.ClientError, (exception as Error).message, fastifyStatus);
  }
  return OcpiError.serverError('Internal error');
}

/** A Fastify 4xx (malformed JSON, body too large) stays a 4xx on other routes too, not Nest's default 500. */
function asHttpException(exception: unknown): unknown {
  const status = (exception as { statusCode?: number })?.statusCode;
  if (exception instanceof HttpException || typeof status !== 'number' || status < 400 || status >= 500) return exception;
  return new HttpException((exception as Error).message, status);
}
