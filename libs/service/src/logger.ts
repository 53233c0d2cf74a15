import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import pino, { type Logger as Pino } from 'pino';
import type { LogLevelName } from './config';

/** The ids of the request being served, on every log line written while serving it. */
export interface RequestIds {
  requestId: string;
  correlationId: string;
}

const requestContext = new AsyncLocalStorage<RequestIds>();

declare module 'fastify' {
  interface FastifyRequest {
    correlationId?: string;
  }
}

const PINO_LEVEL: Record<LogLevelName, pino.LevelWithSilent> = {
  silent: 'silent',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
};

/** An id a partner sent, when it is one we can log and store: else we make our own. */
function clientId(value: string | string[] | undefined): string | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  return text && text.length <= 64 && /^[\x21-\x7e]+$/.test(text) ? text : undefined;
}

/** Fastify's genReqId: the partner's X-Request-ID (OCPI transport_and_format) or a uuid. */
export function requestIdOf(request: { headers: Record<string, string | string[] | undefined> }): string {
  return clientId(request.headers['x-request-id']) ?? randomUUID();
}

/**
 * Structured JSON logs (pino): one object per line, the message and every field JSON-escaped, so
 * a CR, LF or NUL a partner puts in an id cannot forge or cut a line; each line written while a
 * request is served carries its request_id and correlation_id. Nest's Logger writes through it.
 */
export class JsonLogger implements LoggerService {
  readonly pino: Pino;

  constructor(level: LogLevelName, destination: pino.DestinationStream = pino.destination({ dest: 1, sync: false })) {
    this.pino = pino(
      {
        level: PINO_LEVEL[level],
        base: { pid: process.pid },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        mixin: () => {
          const ids = requestContext.getStore();
          return ids ? { request_id: ids.requestId, correlation_id: ids.correlationId } : {};
        },
      },
      destination,
    );
  }

  /** Nest's level lists (Logger.overrideLogger, LOG_LEVEL): the most verbose one named wins. */
  setLogLevels(levels: string[]): void {
    const order: Array<[string, pino.Level]> = [
      ['verbose', 'trace'],
      ['debug', 'debug'],
      ['log', 'info'],
      ['warn', 'warn'],
      ['error', 'error'],
      ['fatal', 'fatal'],
    ];
    const found = order.find(([name]) => levels.includes(name));
    this.pino.level = found ? found[1] : 'silent';
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  /** Nest passes (message, context) or, for errors, (message, stack, context). */
  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const stack = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (stack) fields.stack = stack;
    if (message instanceof Error) {
      fields.err = message;
      this.pino[level](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ ...fields, ...(message as object) });
    } else {
      this.pino[level](fields, String(message));
    }
  }
}

/** Every request runs in its ids' context; the correlation id is the partner's or a fresh one. */
export function registerRequestContext(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request: FastifyRequest, _reply, done) => {
    request.correlationId = clientId(request.headers['x-correlation-id']) ?? randomUUID();
    requestContext.run({ requestId: request.id, correlationId: request.correlationId }, done);
  });
}
